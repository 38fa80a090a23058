@phase @T-3d @data @platform @budget-2m @paced-budget-2m
Feature: T-3d — three days before: the dry run on staging
  What happens: the data owner imports laddr into staging as the final import will, and the
  whole suite runs against staging: every record once, every field mapped, every legacy URL
  redirected, every member's Slack identity asserted as laddr asserted it. The redirect map
  (redirect-map.csv in the report) is what the platform owner reviews before the DNS flip.
  Staging is started with its GitHub and Resend addresses pointed at the suite's stand-ins,
  so sign-in and account claim are rehearsed end to end here; the stack's own tools are
  proved on planted defects here too, before the day they decide anything.

  Who: the data owner (@data) runs the import; the platform owner (@platform) reviews the
  redirect map and the Slack identity results.

  What stops the cutover: any failure in this phase; a laddr URL with no target on the new
  site.

  Run: `cutover run --profile staging.toml --phase T-3d`

  Scenario: Every public laddr URL has a target on the new site in the redirect map
    The map lists every URL laddr served for a public record (by username, ID, handle and
    query form) with the page on the new site it must reach. A URL without a target is a
    record the import lost: its links would end at "not found" after the flip.

    When the redirect map is generated from laddr and the new stack's data
    Then every public laddr URL has a target on the new site

  Rule: The rollback is rehearsed on staging, against the clock

    The plan asks for the rollback to be rehearsed at least once: with staging's names on
    laddr's side, the platform owner's flip command points them at the new side, the T-0
    smoke runs there (health, readiness, the home page), and the flip-back command returns
    them. laddr must then serve exactly the pages it served before (their hashes, read
    through the public names where DNS points), its tables must be unchanged, and the time
    to get every member back on laddr is measured against the recovery-time budget
    ([window] rto_minutes, 15 by default): the time until the zone's name server answers
    with laddr again, plus the TTL a resolver may keep the old answer for. The drill runs
    alone (@serial), only where the profile allows writes and names its flip commands
    ([window] flip_to_new, flip_back), and only from laddr's side: names already on the new
    side are flipped back first only where [window] drill_from_new says so (never on a
    flipped production), and split names are never flipped. It leaves the names where it
    found them, even when it fails part way.

    @needs-drill @writes @serial
    Scenario: The rollback drill brings laddr back as it was, within the 15-minute budget
      When the names are flipped to the new side, smoke-tested there, and flipped back
      Then laddr serves the pages it served before, its tables are unchanged, and the rollback took less than the budget
      And what was created on the new side since the import is listed for replay

  Rule: laddr's answers and the new API's agree, record by record

    For the redirect map's people and projects, laddr's `?format=json` answer and the new
    API's (`/api/people/<slug>`, `/api/projects/<slug>`) must agree field by field after the
    contract's mapping: a person's fullName and accountLevel; a project's title, stage, https
    URLs and chat channel. The share that must agree is [window] shadow_threshold (all, by
    default); every disagreement is listed. [window] shadow_sample limits the records asked
    when the stack's rate limits would make all of them too slow.

    @needs-site
    Scenario: laddr's JSON and the new API agree on every shadowed record
      When the redirect map's people and projects are read from laddr's JSON and from the new API
      Then they agree field by field at or above the threshold, and every disagreement is listed
