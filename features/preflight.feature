@preflight @T-3d @T-1d @T-0 @budget-5m @paced-budget-5m
Feature: Preflight — can the cutover start?
  Before any import, DNS change or announcement, the person running the cutover checks that
  both systems are there, that this suite cannot harm the legacy database, and that every
  record laddr holds has arrived in the new stack exactly once. Any failure here stops the
  cutover: nothing later in the runbook is meaningful without it.

  Rule: The legacy database is only ever read

    The suite connects with a session that the database server itself keeps read-only,
    and checksums every table before the first scenario and after the last. A changed
    checksum makes the whole run NO-GO, naming the table.

    Scenario: The legacy database is reachable and will not be written
      Given the legacy laddr database
      Then the suite's connection to it is read-only
      And a checksum of every legacy table is on record for the end of the run

  Rule: The new stack is up

    Scenario: The new stack is up and ready
      When the new stack is asked for its health
      Then it answers that it is healthy
      When the new stack is asked whether it is ready
      Then it answers that it is ready

  Rule: Every in-scope laddr record is in the new stack once

    A record is matched by its laddr ID, which the new stack keeps as `legacyId`;
    memberships by their (project, person) pair and tag assignments by (tag, target).
    So a count that agrees while one record is missing and another duplicated still fails.

    Spam accounts purged before the cutover are gone from laddr itself (their IDs are
    gaps, their rows sit in `_purged_people`) and are not expected anywhere. Every other
    record laddr holds but the cutover leaves behind is listed below with its reason.

    Scenario Outline: Every in-scope laddr record is in the new stack once (<entity>)
      Given the legacy laddr database
      When the <entity> in scope are counted in laddr and in the new stack
      Then every one is in the new stack exactly once

      Examples:
        | entity          | in scope in laddr                                  | left behind, and why                                                                                                       |
        | people          | people with a Username who are not Disabled        | contacts without a Username (no page, no sign-in); Disabled accounts (laddr answered 404; their fate is a staff decision) |
        | projects        | every project                                      | none                                                                                                                       |
        | memberships     | members of a project who are people in scope       | memberships of Disabled people                                                                                             |
        | updates         | every project update                               | none                                                                                                                       |
        | buzz items      | every buzz item                                    | none                                                                                                                       |
        | tags            | tags whose handle starts topic., tech. or event.   | handles without one of the three namespaces (the new stack requires one)                                                   |
        | tag assignments | tags in scope on projects and on people in scope   | tags on blog posts (the new stack's schema has no blog_post target); tags on people left behind                          |
        | blog posts      | Published, Public, published now or earlier        | drafts, hidden and private posts, posts scheduled for later, and pages (no sheet for pages)                               |
