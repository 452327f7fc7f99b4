"""The Blora demo ledger: its cast (`cast`: units, offices, people), its story (`story`, told with
the steps of `procedure` on a signed `timeline`) and the builder that writes it to a store (`build`).

Nothing in the ledger, the projections or the API imports this package; only the CLI and the tests do.
"""
