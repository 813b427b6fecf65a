package org.postern.server;

import java.util.Optional;
import org.postern.log.MailLog;
import org.postern.store.AccountStore;
import org.postern.store.StoreException;
import org.postern.store.password.PasswordSchemes;
import org.postern.store.password.Verification;

/**
 * AUTH against Postern's own accounts: enabled mailboxes and their Dovecot-compatible
 * password hashes. A user name without {@code @} never matches (logins are full addresses).
 */
public final class StoreAuthenticator implements Authenticator {

    private final AccountStore accounts;

    public StoreAuthenticator(AccountStore accounts) {
        this.accounts = accounts;
    }

    @Override
    public Result authenticate(String username, char[] password) {
        if (username.indexOf('@') < 0) {
            return Result.FAILED;
        }
        Optional<String> hash;
        try {
            hash = accounts.passwordHash(username);
        } catch (StoreException e) {
            MailLog.logger("smtpd").warn("SASL authentication: account store unavailable: {}", e.getMessage());
            return Result.TEMPORARY_FAILURE;
        }
        if (hash.isEmpty()) {
            // Spend the same work as a real check so that timing does not tell which users exist.
            PasswordSchemes.verify(DUMMY_HASH, password);
            return Result.FAILED;
        }
        Verification v = PasswordSchemes.verify(hash.get(), password);
        if (v.ok() && v.warning() != null) {
            MailLog.logger("smtpd").warn("{}: {}", username, v.warning());
        }
        return v.ok() ? Result.OK : Result.FAILED;
    }

    private static final String DUMMY_HASH = PasswordSchemes.hash("not a password".toCharArray());
}
