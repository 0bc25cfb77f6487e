-- Central attempt records and factory-wide serial series (issue 17).
-- Attempt ids are the station's jobs.ID (start time in Unix ns, unique
-- within one station's file), so the key is (station, id).

CREATE TABLE attempts (
    station         text        NOT NULL,
    id              bigint      NOT NULL,
    slot            text        NOT NULL DEFAULT '',
    probe_serial    text        NOT NULL DEFAULT '',
    recipe          text        NOT NULL,
    recipe_sha256   text        NOT NULL DEFAULT '',
    firmware_sha256 text        NOT NULL DEFAULT '',
    unit_uid        text,
    device_id       text        NOT NULL DEFAULT '',
    started         timestamptz NOT NULL,
    ended           timestamptz,
    result          text        NOT NULL,
    failed_step     text        NOT NULL DEFAULT '',
    error           text        NOT NULL DEFAULT '',
    forwarded       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station, id)
);

-- QA: a unit's whole history.
CREATE INDEX attempts_unit_idx ON attempts (unit_uid, started) WHERE unit_uid IS NOT NULL;
-- Time ranges across the factory (dashboards, units list --since).
CREATE INDEX attempts_started_idx ON attempts (started);
-- Failures by step, recipe, station and slot over a time range.
CREATE INDEX attempts_failed_step_idx ON attempts (failed_step, started) WHERE result <> 'pass';
CREATE INDEX attempts_recipe_idx ON attempts (recipe, started);
CREATE INDEX attempts_station_slot_idx ON attempts (station, slot, started);

CREATE TABLE steps (
    station     text    NOT NULL,
    attempt_id  bigint  NOT NULL,
    idx         integer NOT NULL,
    name        text    NOT NULL,
    result      text    NOT NULL,
    started     timestamptz NOT NULL,
    duration_ns bigint  NOT NULL,
    tries       integer NOT NULL DEFAULT 0,
    error       text    NOT NULL DEFAULT '',
    bytes       bigint  NOT NULL DEFAULT 0,
    -- the step's log lines as the station kept them: [{"t","level","msg"}]
    log         jsonb   NOT NULL DEFAULT '[]',
    PRIMARY KEY (station, attempt_id, idx),
    FOREIGN KEY (station, attempt_id) REFERENCES attempts (station, id) ON DELETE CASCADE
);

-- Each station's forwarding position: every attempt with a smaller id that
-- had ended is here. Updated in the batch's own transaction.
CREATE TABLE stations (
    name           text        PRIMARY KEY,
    forwarded_to   bigint      NOT NULL DEFAULT 0,
    last_seen      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE serial_series (
    name    text        PRIMARY KEY,
    first   bigint      NOT NULL CHECK (first >= 0),
    next    bigint      NOT NULL,  -- first number no lease holds yet
    created timestamptz NOT NULL DEFAULT now(),
    CHECK (next >= first)
);

CREATE TABLE serial_leases (
    id      bigserial   PRIMARY KEY,
    series  text        NOT NULL REFERENCES serial_series (name),
    station text        NOT NULL,
    first   bigint      NOT NULL,
    last    bigint      NOT NULL,
    leased  timestamptz NOT NULL DEFAULT now(),
    closed  timestamptz,
    CHECK (first <= last)
);
CREATE INDEX serial_leases_open_idx ON serial_leases (station, series) WHERE closed IS NULL;

-- Every number that left a lease: committed to a unit, burned (may have
-- reached a board that did not pass), or skipped (given back unused, or
-- its lease closed). The key makes "issued twice" impossible to record.
CREATE TABLE serials (
    series     text        NOT NULL,
    number     bigint      NOT NULL,
    state      text        NOT NULL CHECK (state IN ('committed', 'burned', 'skipped')),
    station    text        NOT NULL,
    lease_id   bigint      REFERENCES serial_leases (id),
    attempt_id bigint,
    unit_uid   text,
    reason     text        NOT NULL DEFAULT '',
    recorded   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (series, number)
);
CREATE INDEX serials_unit_idx ON serials (unit_uid) WHERE unit_uid IS NOT NULL;
