@redirects @platform @T-3d @T-0 @budget-10m @paced-budget-5m
Feature: Redirects — every old URL reaches the same thing in one 301, or is gone on purpose
  Links to codeforphilly.org live in old emails, Slack, search engines and other sites.
  After the DNS flip every URL that reached a public resource on laddr must reach the same
  resource on the new site in one permanent redirect (301), or be retired deliberately with
  410. Every record is checked, not a sample: the map of legacy URLs is generated from the
  laddr database, and each expected target comes from the record's twin in the new stack
  (found by its legacy id), never from rewriting the URL's text. The page at the end is
  proved through the API to show that record, because the new site answers 200 for any path.

  The map and every result with its hop chain are written to the report directory
  (redirect-map.csv, redirects.csv, redirects.json).

  Background:
    Given the redirect map generated from laddr and the new stack's data

  Rule: People keep their pages

    /people/Tonimacattack → 301 → /members/tonimacattack
    /people/tonimacattack and /people/TONIMACATTACK → the same person (laddr ignored case)
    /people/2 → 301 → /members/tonimacattack
    /members/Tonimacattack → 301 → /members/tonimacattack
    A Disabled person's page was not found on laddr and is not found now.

    Scenario: Every person's /people/<Username> reaches their page
      When every "username" URL in the map is followed
      Then each reaches its expected target

    Scenario: A username in another letter case reaches the same person
      When every "username-case" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every person's /people/<ID> reaches their page
      When every "person-id" URL in the map is followed
      Then each reaches its expected target

    Scenario: The /members/<Username> alias reaches the same person
      When every "members-alias" URL in the map is followed
      Then each reaches its expected target

    Scenario: Disabled people are not found
      When every "disabled" URL in the map is followed
      Then each answers 404 Not Found

  Rule: Projects and their updates keep their pages

    /projects/Bike_Route_Tracker → 301 → /projects/bike_route_tracker
    /projects/12 and /projects?ID=12 → 301 → the same project (other query parameters kept)
    /projects/Bike_Route_Tracker/updates/3 and /project-updates/41 → the update
    /project-updates?ProjectID=12 → the project

    Scenario: Every project's /projects/<Handle> reaches its page
      When every "project-handle" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every project's /projects/<ID> reaches its page
      When every "project-id" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every /projects?ID=<ID> reaches the same project
      When every "project-query-id" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every /projects/<Handle>/updates/<Number> reaches the update
      When every "project-update" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every /project-updates/<ID> reaches the update
      When every "update-id" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every /project-updates?ProjectID=<ID> reaches the project
      When every "update-query" URL in the map is followed
      Then each reaches its expected target

  Rule: Buzz, tags and blog posts keep their pages

    /project-buzz/<handle> and /project-buzz/<ID> → /projects/<project>/buzz/<slug>
    /tags/topic.transit and /tags/<ID> → /tags/topic/transit
    /blog/<Handle> and /blog/<ID> → /blog/<slug> (public posts only)

    Scenario: Every /project-buzz/<Handle> reaches the buzz item under its project
      When every "buzz-handle" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every /project-buzz/<ID> reaches the buzz item under its project
      When every "buzz-id" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every /tags/<Handle> reaches the tag
      When every "tag-handle" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every /tags/<ID> reaches the tag
      When every "tag-id" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every public /blog/<Handle> reaches the post
      When every "blog-handle" URL in the map is followed
      Then each reaches its expected target

    Scenario: Every public /blog/<ID> reaches the post
      When every "blog-id" URL in the map is followed
      Then each reaches its expected target

  Rule: Retired pages are gone on purpose, and chat still launches Slack

    /checkin, /bigscreen, /search and /exports/… answer 410 Gone.
    /chat?channel=general → 302 → https://codeforphilly.slack.com/channels/general

    Scenario: Retired pages answer 410 Gone
      When every "retired" URL in the map is followed
      Then each answers 410 Gone

    Scenario: /chat?channel= launches Slack with a temporary redirect
      When every "chat" URL in the map is followed
      Then each launches Slack with a 302 to its channel

  Rule: Renamed records keep their old links

    Scenario: After a rename the old slug reaches the current one in one hop
      When every "slug-history" URL in the map is followed
      Then each reaches its expected target

  Rule: The whole map

    The summary counts every URL by outcome: ok, wrong status (302 for 301), extra hops,
    wrong target, dead end, loop, server error.

    Scenario: Every URL in the redirect map reaches its target
      When every URL in the redirect map is followed
      Then each reaches its expected target
