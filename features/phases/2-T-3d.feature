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
