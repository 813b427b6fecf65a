package org.postern.spf;

/** Ends a check with {@code temperror} or {@code permerror}, from however deep it happened. */
final class SpfException extends Exception {

    private final SpfResult result;

    SpfException(SpfResult result, String reason) {
        super(reason, null, false, false);
        this.result = result;
    }

    static SpfException perm(String reason) {
        return new SpfException(SpfResult.PERMERROR, reason);
    }

    static SpfException temp(String reason) {
        return new SpfException(SpfResult.TEMPERROR, reason);
    }

    SpfResult result() {
        return result;
    }
}
