package org.postern.config;

import java.util.List;

/**
 * Validates the restriction lists of one parameter set at load time. The restriction catalog
 * lives in the policy layer ({@code org.postern.policy.RestrictionCatalog} implements this),
 * which config must not import, so the caller passes it in.
 */
@FunctionalInterface
public interface RestrictionChecker {

    /** Checks nothing. */
    RestrictionChecker NONE = (parameters, listener, tables) -> List.of();

    /**
     * @param parameters the effective parameters of main.cf or of a listener
     * @param listener   the listener, or null for main.cf alone (then checks that only apply to a
     *                   running smtpd, such as the relay-safety rule, are skipped)
     * @param tables     checker for {@code type:table} arguments
     * @return every problem found (errors and warnings)
     */
    List<ConfigProblem> check(ParameterSet parameters, Listener listener, TableChecker tables);

    /** This checker's problems, then {@code next}'s (e.g. the restriction catalog, then the doctor). */
    default RestrictionChecker andThen(RestrictionChecker next) {
        return (parameters, listener, tables) -> {
            List<ConfigProblem> all = new java.util.ArrayList<>(check(parameters, listener, tables));
            all.addAll(next.check(parameters, listener, tables));
            return all;
        };
    }
}
