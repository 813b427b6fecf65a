/**
 * The SMTP restriction engine: Postfix's smtpd restriction lists with Postfix's decisions, reply
 * codes, enhanced codes, texts and protocol stages (docs: postfix-restrictions.md).
 *
 * <p>Entry points: {@link org.postern.policy.PolicyEngine} (one per listener, built from the
 * listener's parameters), {@link org.postern.policy.PolicySession} (one per connection, one call per
 * SMTP stage, each returning a {@link org.postern.policy.Decision}),
 * {@link org.postern.policy.SessionFacts} (what the server knows about the session) and
 * {@link org.postern.policy.AddressClassifier} (address classes for routing).
 * {@link org.postern.policy.RestrictionCatalog} validates the lists at configuration load.
 */
package org.postern.policy;
