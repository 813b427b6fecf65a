package org.postern.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.List;
import org.postern.config.Parameter;
import org.postern.config.Parameters;

/** Builds main.cf-like text from fuzzer data: real parameter names make the validator reachable. */
final class ConfigText {
    private static final String[] NAMES = Parameters.all().stream().map(Parameter::name).toArray(String[]::new);
    private static final String[] JOINERS = {" = ", "=", " =", "\n ", "\n\t", "\n#", "\n", "\r\n", " ", ""};

    private ConfigText() {
    }

    /** Lines of {@code name = value} with fuzzed names, values and separators. */
    static String mainCf(FuzzedDataProvider data) {
        StringBuilder sb = new StringBuilder();
        int lines = data.consumeInt(0, 12);
        for (int i = 0; i < lines && data.remainingBytes() > 0; i++) {
            sb.append(data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(20));
            sb.append(data.pickValue(JOINERS));
            sb.append(data.consumeString(60));
            sb.append(data.pickValue(JOINERS));
        }
        sb.append(data.consumeRemainingAsString());
        return sb.toString();
    }

    static List<String> names() {
        return List.of(NAMES);
    }
}
