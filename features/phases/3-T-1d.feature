@phase @T-1d @data @platform @budget-3m @paced-budget-3m
Feature: T-1d — the day before: the final dump, the final import, reconcile to zero
  What happens: the data owner takes the final dump of laddr and proves it restores; imports
  it; prunes spam; runs the credentials import and the stack's reconcile, whose every orphan
  and inconsistency counter must be zero — apart from members laddr had no email for (listed
  on their own: nothing to carry) and GitHub-linked members still holding a legacy password
  (advisory, unless the profile's strict-drain policy is on). The platform owner smoke-tests production through a
  hosts-file entry and proves that production's stack refuses to run without its secrets.

  Who: the data owner (@data) owns the dump, the import and reconcile; the platform owner
  (@platform) owns the stack's configuration.

  What stops the cutover: a dump that does not restore or restores something other than
  laddr; any failure in "Reconciliation", "Preflight" or "The stack's own cutover tools"; a
  stack that starts and serves without its SAML key (it would sign nothing Slack trusts).

  Run: `cutover run --profile production.toml --phase T-1d`

  Rule: The final dump is a backup that restores

    A backup is only proved by restoring it. The dump ([legacy] dump in the profile) is
    restored into a scratch database (never the legacy server), and each table's row count
    and content checksum there must equal laddr's. The scratch database is dropped after.

    @needs-dump
    Scenario: The final laddr dump restores into a scratch database and holds exactly laddr
      Given the final laddr dump
      When it is restored into a scratch database
      Then every legacy table is there with laddr's rows, and nothing else differs

  Rule: The stack will not serve without its secrets

    Started in production mode without SAML_PRIVATE_KEY, the stack must either refuse to
    start or answer /api/health/ready with 503 naming the missing secret. A stack that
    serves without it would hand Slack assertions it cannot trust. The suite starts a
    second instance for this on a copy of the state, the way it starts the stack under test.

    @starts-stack
    Scenario: The stack refuses to run without its SAML key, and says why
      When a second instance of the stack is started without SAML_PRIVATE_KEY
      Then it refuses to become ready, naming SAML_PRIVATE_KEY
