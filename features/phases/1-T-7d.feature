@phase @T-7d @cutover-lead @platform @budget-1m @paced-budget-1m
Feature: T-7d — a week before: announce, freeze laddr, stage the secrets
  What happens: the cutover lead announces the date to members and staff and lowers the DNS
  TTL of codeforphilly.org to 60 s. The data owner freezes laddr's writes (the site stays
  readable) and records the freeze with `cutover freeze --out t-7d.json`, kept for T-0. The
  platform owner stages the new stack with every secret production will have: the session
  key, the SAML key and its certificate, the GitHub OAuth app with its redirect URI on the
  new host, and the Resend key. If the new IdP signs with a key of its own, its certificate
  is uploaded to Slack now (Slack admin → Authentication → SAML), so that it is "the
  certificate Slack holds" from here on. Before the freeze the platform owner also captures
  laddr's SAML responses for a sample of members (fixtures/saml/README.md) and creates the
  named test accounts the acceptance runs may act on ([run] test_accounts).

  Who: the cutover lead (@cutover-lead) announces and has the freeze recorded (the data
  owner runs the command); the platform owner (@platform) stages the stack, its secrets,
  the captures and the test accounts.

  What stops the cutover: the staged stack not ready, its GitHub sign-in or SAML metadata not
  configured, the IdP metadata without the certificate Slack will trust (see "Slack SAML
  continuity"), or the suite able to write to laddr (see "Preflight").

  Run: `cutover run --profile staging.toml --phase T-7d`, then keep t-7d.json for T-0 and
  T+1d (CUTOVER_FREEZE_FILE).

  Scenario: The staged stack has its secrets: it is ready, GitHub sign-in starts, SAML metadata is signed
    The secrets themselves are never read: each is proved by what the stack can do with it.

    When the staged stack is asked what its secrets let it do
    Then it is ready, its GitHub sign-in starts at GitHub with the OAuth app's client id, and its SAML metadata carries a certificate

  Rule: The public names' TTL is short a week before the flip

    The cutover lead lowers the TTL of codeforphilly.org and www to 60 s a week ahead, so
    that both the flip and a rollback reach every resolver within a minute. The suite asks
    the zone's authoritative name server ([window] nameserver) with a real resolver; a
    CNAME's TTL counts as much as the address's.

    @needs-dns
    Scenario: The DNS TTL of the apex and www is at most 60 seconds
      When the public names are looked up at the zone's name server
      Then every name answers, with a TTL no longer than the limit
