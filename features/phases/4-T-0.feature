@phase @T-0 @cutover-lead @on-call @budget-1m @paced-budget-1m
Feature: T-0 — the cutover: maintenance, delta import, DNS flip, sign-off
  What happens, in order: the cutover lead posts the maintenance notice; laddr goes into
  maintenance (pages still answer, every write gets 503 with Retry-After); the data owner
  runs the delta import, which must bring nothing, since laddr has been frozen since T-7d —
  the freeze check proves it; the platform owner flips DNS; then the whole T-0 phase runs
  against the new site: anonymous pages, every legacy redirect, sign-in and account claim
  (on the named test accounts, when the profile allows writes), Slack re-authentication
  keeping each member's identity. The cutover lead reads the signed report, decides GO or
  NO-GO, and announces the new site (or the rollback). The point of no return is the first
  record a member creates on the new site.

  Who: the cutover lead (@cutover-lead) decides and signs; on call (@on-call) watches from
  the flip on; staff (@staff) answer the claim queue.

  What stops the cutover: any failure in this phase. NO-GO before the first user-created
  record means a rollback: DNS goes back to laddr and laddr's writes, frozen since T-7d, are
  re-enabled — safe, because laddr was never written.

  Run: `CUTOVER_FREEZE_FILE=t-7d.json cutover run --profile production.toml --phase T-0
  --signing-key lead.key --signer 'Name' --signer-role 'cutover lead'` (the key from
  `cutover keygen`, kept by the cutover lead; `cutover verify` checks the report).

  Rule: laddr is in maintenance while the cutover runs

    Where the profile names laddr's site ([legacy] site), its pages must still answer and
    every form that writes must be refused with 503 and a Retry-After header, so no member's
    change is lost between the final import and the flip. The suite posts empty forms only:
    even a site not in maintenance would reject them without writing.

    @needs-site
    Scenario: laddr's pages still answer and every write gets 503 with Retry-After
      Given laddr's site in maintenance
      When its pages are read and its write forms are posted to
      Then every page answers, and every write is refused with 503 and a Retry-After

  Rule: After the flip both names serve the new site, over HTTPS a browser trusts

    Once the platform owner has flipped DNS, both codeforphilly.org and www must point at the
    new side's addresses ([window] new_addresses) and no longer at laddr's; each must present
    a certificate that verifies for its name and stays valid for more than 14 days
    ([window] min_cert_days); and plain HTTP must reach HTTPS in one permanent redirect, whose
    answer carries Strict-Transport-Security (max-age of at least 180 days), so browsers stay
    on HTTPS. The suite reaches the names at the addresses DNS gives, or at [window]
    connect_https and connect_http when the profile names them.

    @needs-dns
    Scenario: Both public names point at the new side and nowhere else
      When the public names are looked up at the zone's name server
      Then every name points at the new side only

    @needs-edge
    Scenario: The TLS certificate is valid for both names for more than 14 days
      When each public name's certificate is read
      Then each verifies for its name and stays valid past the limit

    @needs-edge
    Scenario: Plain HTTP reaches HTTPS in one 301, and HTTPS sets HSTS
      When each public name is asked over HTTP and over HTTPS
      Then HTTP answers one permanent redirect to HTTPS, and HTTPS carries Strict-Transport-Security
