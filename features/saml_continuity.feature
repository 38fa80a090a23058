@saml @T-3d @T-0 @T+1h @budget-10m @paced-budget-10m
Feature: Slack SAML continuity — every member's Slack account still knows them
  Slack accounts are bound to the identity laddr asserted: NameID = the laddr Username,
  exactly as stored (capitals kept), with User.Email = the laddr email. Slack signs a person
  into their existing account when the NameID or the email matches, and silently creates a
  duplicate account when neither does. This is the highest-stakes single check of the
  cutover, so it is made for every member the new IdP will assert, not for one test account.

  How: for every laddr user who could reach Slack (a User of level User or higher with a
  Username) the suite signs in as them (a session minted with the rehearsal's key), opens
  the Slack launch link, and reads the SAMLResponse the page would post to Slack. The
  signature is checked with xmlsec against the certificate Slack holds, and identity is read
  only from what that signature covers. A sample of members also goes through the
  Slack-initiated flow, signed in and signed out.

  Run at T-3d (dry run on staging), at T-0 (after the DNS flip) and at T+1h (watch).

  Background:
    Given every eligible laddr member has been taken through the new IdP

  Rule: Slack trusts the new IdP as it trusted laddr

    Scenario: The IdP metadata names the identity and certificate Slack trusts
      Then it names laddr's issuer, the certificate Slack holds, persistent NameIDs and an HTTP-POST endpoint

    Scenario: Every assertion is signed with the certificate Slack trusts
      Then every assertion's signature verifies against the certificate Slack holds

    Scenario: The NameID read is the one the signature covers
      A Response can carry a signed Assertion and, beside it, an unsigned one a careless
      reader takes first (signature wrapping). Only the signed one may be read.
      Then no assertion carries an unsigned Assertion beside the signed one

    Scenario: Every assertion is addressed to Slack's ACS and audience
      Then every Destination and Recipient is Slack's ACS and every Audience is Slack

    Scenario: Every assertion is valid now, for at most ten minutes
      Then every validity window contains now and lasts at most ten minutes

  Rule: Every member laddr let into Slack is asserted as laddr asserted them

    Tonimacattack stays Tonimacattack: not tonimacattack, not a slug.

    Scenario: laddr's assertion is known for every user who could reach Slack
      Then every laddr user who could reach Slack has a twin in the new stack to assert

    Scenario: Every eligible member's launch answers with a form that posts to Slack
      Then every eligible member's launch answered with a signed-in form for Slack

    Scenario: Every NameID is the laddr Username, byte for byte
      Then every NameID equals the member's laddr Username, byte for byte

    Scenario: Every email attribute is still laddr's email
      Slack's second way to recognise a member. Name and username attribute differences are
      listed as advisory.
      Then every User.Email attribute equals the member's laddr email, ignoring case

    Scenario: No two members share a NameID after the cutover
      Then no NameID is asserted for two members, compared ignoring case

  Rule: Slack-initiated sign-in works for signed-in and signed-out members

    Scenario: Slack-initiated sign-in echoes the request and its RelayState
      Then each answer is a Success for that request, with InResponseTo and RelayState echoed

    Scenario: A signed-out member signs in and resumes to the same request
      Then each is sent to sign in and, once signed in, gets the answer to the original request

    Scenario: An AuthnRequest for another ACS gets no assertion
      Then the request is refused without an assertion

  Rule: Only members who may use Slack get an assertion

    Scenario: A signed-out visitor who opens the launch link is sent to sign in
      Then the visitor is redirected to /login

    Scenario: Deactivated people and people laddr kept out of Slack are refused
      Then each is answered 403 saml_not_permitted

  Rule: What laddr really asserted is what the new IdP asserts

    Captured SAMLResponses (a browser's SAML tracer before the cutover; in a rehearsal,
    made by a laddr-faithful signer) are verified with laddr's certificate, then compared
    field by field with the new IdP's assertion for the same member.

    Scenario: Captured laddr assertions match the new IdP's, field by field
      Then each capture's NameID, qualifiers, Issuer and email equal the new IdP's for that member

  Rule: The verdict

    continuous: the NameID is unchanged. matched by email only: Slack falls back to the email
    (degraded; fails unless waived). broken: a duplicate Slack account. not asserted: no
    assertion could be had.

    Scenario: Continuity summary: every eligible member is continuous
      Then every eligible member is continuous, and the summary counts each class
