"""An independent witness and a monitor for Integritas logs (and any C2SP checkpoint log).

- :mod:`witness.state`: the witness's durable state, one row per log, advanced atomically.
- :mod:`witness.protocol`: C2SP tlog-witness ``add-checkpoint``: parse, check, cosign.
- :mod:`witness.config`: a witness directory (key, name, the logs it witnesses).
- :mod:`witness.app`: the HTTP service (``integritas witness serve``).
- :mod:`witness.submitter`: the log side, collecting cosignatures without holding back appends.
- :mod:`witness.monitor` and :mod:`witness.atom`: ``integritas monitor``, its Atom feed.

The overseers (the district prosecutor's office, the police, the inspectorate) each run one next
to their own desk: a witness needs only its key, a small SQLite file and the logs' verifier keys.
"""
