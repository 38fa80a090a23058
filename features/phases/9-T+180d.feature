@phase @T+180d @data @cutover-lead @budget-1m @paced-budget-1m
Feature: T+180d — half a year after: retire the legacy credentials nobody used
  What happens: a legacy password hash still unused after six months belongs to a member who
  has not signed in since the cutover. The data owner lists them for the cutover lead, who
  decides their retirement (the member can still come back through a reset or GitHub). laddr
  itself can then be archived.

  Who: the data owner (@data) makes the list; the cutover lead (@cutover-lead) decides.

  What stops (holds) the retirement: a legacy credential that belongs to no member, to a
  deactivated member, or to a hash laddr never had — the store would be wrong, not just old.

  Run: `cutover run --profile production.toml --phase T+180d`

  Scenario: The legacy credentials still unused are counted, and each belongs to a member laddr had
    When the legacy credentials nobody has used since the import are counted
    Then each belongs to a live member whose hash it is, and their number is reported for retirement
