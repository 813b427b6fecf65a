package org.postern.policy;

/**
 * The address verification service that reject_unverified_sender and
 * reject_unverified_recipient ask (Postfix's verify(8), ADDRESS_VERIFICATION_README): whether
 * mail to an address would be accepted, found out by a probe that goes as far as the
 * recipient's acceptance without delivering anything, and cached.
 */
@FunctionalInterface
public interface AddressVerification {

    enum Status {
        /** A probe was accepted. */
        DELIVERABLE,
        /** A probe was refused for good (5xx, unknown user, null MX, ...). */
        UNDELIVERABLE,
        /** No answer yet (probe in progress) or the probe was deferred. */
        UNKNOWN
    }

    /** @param text why, as the probe's delivery agent said it ("Address verification in progress" while probing) */
    record Result(Status status, String text) {
    }

    /**
     * The current status of an address, starting a probe when there is none or it is old; may
     * wait a little for a probe's answer (address_verify_poll_count, address_verify_poll_delay).
     *
     * @throws IllegalStateException when the service cannot answer at all
     */
    Result verify(String address);
}
