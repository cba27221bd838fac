// The update engine: plans, the update state machine, journal, resume and rollback.
