/**
 * SPF, the Sender Policy Framework (RFC 7208): may this IP address send mail for this domain?
 *
 * <p>{@link org.postern.spf.Spf#checkHost} is the {@code check_host()} function of RFC 7208
 * section 4: it fetches the domain's {@code v=spf1} TXT record, evaluates its mechanisms and
 * modifiers (sections 5 and 6) with macro expansion (section 7), keeps to the processing limits
 * of section 4.6.4, and returns an {@link org.postern.spf.SpfVerdict}: one of the seven
 * {@link org.postern.spf.SpfResult}s, the explanation for {@code fail}, the deciding mechanism
 * and a human trace. {@link org.postern.spf.Spf#checkHelo} and
 * {@link org.postern.spf.Spf#checkMailFrom} apply it to the two identities of section 2.
 *
 * <p>This package knows nothing of configuration, store or server: it takes plain values and
 * an {@link org.postern.spf.SpfDns} resolver, and it does not log.
 */
package org.postern.spf;
