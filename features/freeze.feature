@freeze @cutover-lead @data @T-7d @T-0 @T+1d @budget-1m @paced-budget-1m
Feature: The legacy database is frozen — nothing writes to laddr from the freeze to the cutover
  At T-7d laddr's writes are frozen: the site is read-only from then on, so the data the
  cutover moves is the data that was checked. At T-0, before the DNS flip, the suite proves
  that nothing has written since. Each table's row count, latest Created and Modified time
  and checksum are recorded at the freeze (`cutover freeze --out t-7d.json`, kept for T-0);
  a table that changed — a new row, a touched record, or an in-place update that leaves the
  counts and times as they were — stops the cutover, named.

  Run at T-7d to record the freeze, and at T-0 with the file recorded then
  (CUTOVER_FREEZE_FILE=t-7d.json). Without a file, the freeze is recorded at the start of the
  scenario and checked at its end, while the new stack serves.

  Scenario: Nothing writes to laddr after the freeze
    Given the state of every legacy table is recorded at the freeze
    When the new stack serves a person, a project and its health
    Then no legacy table has been written since the freeze
