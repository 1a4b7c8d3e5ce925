"""The rule book: pure Python, no Faust, no Kafka, no I/O.

events   -- the three input event types (CONTRACT §1) and their total order
parse    -- bytes -> event or dead letter
places   -- place-name normalisation, hubs -- the hub-record classifier (§2)
policy   -- windows and penalties as a versioned data file (policy_model: its
    shape, checked by pydantic; policy_file: its YAML; policy_errors: each error
    with its path and line)
messages -- what the order side and the parcel side tell each other
rules/   -- one module per rule of §3, behind one registry
sides    -- the keyed state machines (order, parcel, pickup)
penalties, engine -- §4 penalties and the event-time engine
policy_sections, transit, provinces, ship_late_penalty, escalation -- what the
    rules behind configuration need (policy platform-2026-07)
"""
