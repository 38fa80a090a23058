@reconciliation @T-1d @T+7d @budget-5m @paced-budget-5m
Feature: Reconciliation — the migration lost and corrupted nothing
  At T-1d, after the final import, the cutover stops unless every counter here is zero; at
  T+7d and weekly after that the same checks run against production. Counts alone hide
  swaps and corruption, so every record and every mapped field is compared, and each
  difference is listed with the laddr id and slug a person can act on. Emails and password
  hashes are compared but never shown.

  Rule: Each laddr record has exactly one twin in the new stack

    The twin is found by the laddr ID the new stack keeps as `legacyId`; memberships by
    their (project, person) pair and tag assignments by (tag, target). What is in scope is
    the same as in the preflight, with the same exclusions.

    Scenario Outline: Each laddr record has exactly one twin, found by its legacy id (<entity>)
      Given the legacy laddr database
      When the <entity> in scope are counted in laddr and in the new stack
      Then every one is in the new stack exactly once

      Examples:
        | entity          |
        | people          |
        | projects        |
        | memberships     |
        | updates         |
        | buzz items      |
        | tags            |
        | tag assignments |
        | blog posts      |

  Rule: Every mapped field carries laddr's value

    The importer's mapping: slugs from Username or Handle (lower-cased, other characters to
    "-", collisions numbered in ID order); fullName from PreferredName, else first and last
    name, else the username; Administrator and Developer become administrator, Staff staff,
    everyone else user; stages lower-cased; project URLs kept only when https (a dropped http
    URL is reported as advisory); "#" stripped from chat channels; tag handles split into
    namespace and slug; buzz URLs carried as https. Times are compared as instants, whatever
    the time zone they are written in.

    Scenario Outline: Every mapped field of <entity> carries laddr's value
      Given the legacy laddr database
      When every <entity> record is compared field by field with its twin
      Then no field differs

      Examples:
        | entity      |
        | people      |
        | projects    |
        | memberships |
        | updates     |
        | buzz items  |
        | tags        |
        | blog posts  |

  Rule: The private store holds every person's email and password hash

    Scenario: Every laddr email is in exactly one profile, lower-cased
      Given the legacy laddr database
      When the profiles are compared with laddr's emails
      Then every one is as expected

    Scenario: Every laddr password hash is present verbatim or was upgraded at sign-in
      Given the legacy laddr database
      When the stored credentials are compared with laddr's password hashes
      Then every one is as expected

    Scenario: No credential exists that laddr did not have
      Given the legacy laddr database
      When every stored credential is traced back to laddr
      Then every one is as expected

  Rule: The runbook's reconcile counters are zero

    People whose laddr record has no email have no profile, as expected, and are not
    counted. A GitHub-linked person who still holds a legacy password is allowed by the
    account-migration rule: it is reported as advisory, and fails only under the
    strict-drain policy (CUTOVER_STRICT_DRAIN=1).

    Scenario Outline: Runbook counter: <class> is zero
      Given the legacy laddr database
      When the <class> are counted
      Then the counter is zero

      Examples:
        | class                                           |
        | persons without a profile                       |
        | profiles without a person                       |
        | newsletter inconsistencies                      |
        | GitHub-linked persons holding a legacy password |

  Rule: Nobody's newsletter changes at the cutover

    laddr's Newsletter is opt-out: NULL reads as subscribed.

    Scenario: Nobody stops or starts receiving the newsletter
      Given the legacy laddr database
      When laddr's newsletter choices are compared with the profiles
      Then every one is as expected
