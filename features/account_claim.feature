@claim @T-3d @T-0 @cutover-lead @staff @budget-5m @paced-budget-15m
Feature: Sign-in and account claim — every kind of legacy member gets back in, nobody else does
  On cutover day laddr members come back three ways: with their old password (laddr stored
  unsalted SHA-1 for old accounts and bcrypt "$2y$" for newer ones), with GitHub when a
  verified GitHub email matches their laddr email, or through staff review when that email is
  dead. Each way is rehearsed end to end, and so is each way it could go wrong: locking a
  member out, handing an account to the wrong person, or telling a stranger which accounts
  exist. Any failure here is NO-GO: members would be locked out, or let into someone else's
  account, on the first day.

  How: the suite signs in as laddr members whose passwords it knows (the rehearsal's
  fixture, or the acceptance run's named test accounts — never other members). GitHub and
  Resend (the mail service) are played by stand-ins that the new stack is started against;
  the GitHub stand-in checks PKCE, state and the redirect URI as GitHub does. Every scenario
  acts as different members, chosen by the kind of account each case needs. Evidence names
  members by laddr ID and slug only. Scenarios marked @writes change accounts, so a run
  against a real stack leaves them out unless the profile allows writes to test accounts.

  Run at T-3d on staging (started with its GitHub and Resend addresses pointed at the
  stand-ins), and at T-0 after the DNS flip, before announcing the new site. The cutover
  lead decides; staff handle the review queue.

  Background:
    Given the new stack signs in through the GitHub and Resend stand-ins

  Rule: A legacy member signs in with the old password

    @writes
    Scenario: A SHA-1 member signs in by username or email, in any letter case
      When members with SHA-1 hashes sign in by username, swapped-case username, and email in either case
      Then each of them is in, now holds an argon2id hash with lastUsedAt set, and signs in again with it

    @writes
    Scenario: A bcrypt $2y$ member signs in by username or email, in any letter case
      When members with bcrypt $2y$ hashes sign in by username, swapped-case username, and email in either case
      Then each of them is in, now holds an argon2id hash with lastUsedAt set, and signs in again with it

    Scenario: Every failed sign-in gets the same answer
      A different answer for an unknown user tells a stranger which accounts exist.
      When a wrong password, an unknown user and a hash laddr never wrote are tried
      Then all of them get one identical 401 invalid_credentials answer

    @serial @timing
    Scenario: Failed sign-ins cannot be told apart by their timing
      Unknown users, and wrong passwords for SHA-1 and bcrypt members, are tried in turn many
      times; the response times are compared with a rank test (Mann–Whitney U). A leak is a
      difference both significant (p < 0.001) and large (medians more than 1.5× apart).
      When unknown users and wrong passwords are tried in turn, many times each
      Then unknown users are answered as slowly as wrong passwords

    Scenario: Disabled and Contact accounts cannot sign in
      When a Disabled and a Contact member try their right passwords
      Then both are refused

  Rule: GitHub sign-in reaches the legacy person only on verified evidence

    @writes
    Scenario: A verified GitHub email matching a legacy person reaches that person
      The profile says whether the site links at once or through the claim screen
      ([claim] email_match); the evidence says which happened.
      When a GitHub account whose verified email is a legacy person's signs in
      Then it ends signed in as the legacy person, and stays linked

    @writes
    Scenario: A GitHub login matching a legacy username needs the old password
      When a GitHub account whose login is a legacy username signs in
      Then the person is only a candidate, confirming needs an email match, and the old password links them

    @writes
    Scenario: An unverified GitHub email never matches
      When a GitHub account whose only matching email is unverified signs in
      Then it is not offered the legacy person

    Scenario: Several matching people are all listed, and only they
      When a GitHub account matching three people by two emails and its login signs in
      Then it is offered exactly those three

  Rule: A member with no way in by themselves goes through staff, and claims are final

    @writes
    Scenario: A member whose email is dead is linked after staff review and keeps everything
      When a member whose laddr email is dead asks for staff review, and staff approve
      Then they are linked, keeping their slug, memberships, updates, buzz and Slack NameID

    @writes
    Scenario: Declining the claim makes a fresh person
      When a GitHub account declines every candidate it is offered
      Then a new person is signed in, and the legacy one is left unclaimed

    @writes
    Scenario: A person already linked cannot be claimed again
      When a second GitHub account tries to claim a person already linked
      Then it is not offered the person, and confirming or claiming by password is refused

  Rule: Password reset never tells who exists

    @writes
    Scenario: A password reset is always accepted, mailed only to a known address, and works once
      When resets are asked for a member, a member without email and an unknown address
      Then all are answered 202, only the member is mailed, and the token works once

  Rule: Bad input is refused and loses nothing

    @writes
    Scenario: Malformed, oversized and forged requests are refused without harm
      When malformed JSON, oversized fields and forged or expired claim cookies are sent
      Then each gets a 4xx, never a session, and the stack stays healthy
