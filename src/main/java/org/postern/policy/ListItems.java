package org.postern.policy;

import java.io.IOException;
import java.nio.file.Path;
import org.postern.config.PostfixLists;
import org.postern.lookup.TableConfigException;

/**
 * Walks the items of a Postfix list parameter such as {@code mynetworks} or {@code relay_domains}
 * (postfix-restrictions.md section 4.3): a {@code /file} entry stands for the items in that file
 * (expanded recursively), and a leading {@code !} marks an exclusion.
 */
final class ListItems {

    /** Receives each item, without its {@code !}. */
    @FunctionalInterface
    interface Visitor {
        void item(boolean negate, String text) throws TableConfigException;
    }

    private ListItems() {
    }

    static void walk(String value, Visitor visitor) throws TableConfigException {
        walk(PostfixLists.split(value), visitor);
    }

    private static void walk(Iterable<String> items, Visitor visitor) throws TableConfigException {
        for (String item : items) {
            boolean negate = item.startsWith("!");
            String s = negate ? item.substring(1) : item;
            if (s.startsWith("/")) {
                try {
                    walk(PostfixLists.fileItems(Path.of(s)), visitor);
                } catch (IOException e) {
                    throw new TableConfigException(s + ": cannot read: " + e.getMessage());
                }
            } else {
                visitor.item(negate, s);
            }
        }
    }
}
