package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegexTableTest {

    @TempDir
    Path dir;

    private LookupTable open(String type, String... lines) throws Exception {
        return TestTables.factory(dir).open(type + ":" + TestTables.write(dir, "t." + type, lines));
    }

    private String check(String type, String... lines) throws Exception {
        return TestTables.factory(dir).check(type + ":" + TestTables.write(dir, "bad." + type, lines));
    }

    @Test
    void regexpCaseInsensitiveByDefaultAndFlagToggles() throws Exception {
        LookupTable t = open("regexp",
                "/^Spam@/ REJECT insensitive",
                "/^Exact@/i REJECT sensitive",
                "/^(.*)@(.*)\\.example$/ got $1 at ${2} and $(1) costs $$5");
        assertThat(t.fixedString()).isFalse();
        assertThat(t.find("SPAM@x")).contains("REJECT insensitive");
        assertThat(t.find("exact@x")).isEmpty();
        assertThat(t.find("Exact@x")).contains("REJECT sensitive");
        assertThat(t.find("Bob@Host.example")).contains("got Bob at Host and Bob costs $5");
    }

    @Test
    void regexpPosixSyntax() throws Exception {
        LookupTable t = open("regexp",
                "/^[[:digit:]]+$/ digits",
                "/^[]a]+$/ brackets",
                "/^a[\\.]b$/ backslash-or-dot",
                "%^x/y%  other-delimiter",
                "/\\<word\\>/ word",
                "!/@/ no-at");
        assertThat(t.find("12345")).contains("digits");
        assertThat(t.find("]a]")).contains("brackets");
        assertThat(t.find("a\\b")).contains("backslash-or-dot");
        assertThat(t.find("a.b")).contains("backslash-or-dot");
        assertThat(t.find("x/y@")).contains("other-delimiter");
        assertThat(t.find("a word here@")).contains("word");
        assertThat(t.find("swordfish@")).isEmpty();
        assertThat(t.find("plain")).contains("no-at");
    }

    @Test
    void regexpDollarAndMultilineFlag() throws Exception {
        LookupTable t = open("regexp",
                "/^a$/ whole",
                "/^b$/m line");
        assertThat(t.find("a")).contains("whole");
        assertThat(t.find("a\n")).isEmpty();
        assertThat(t.find("x\nb\ny")).contains("line");
    }

    @Test
    void regexpIfEndifNesting() throws Exception {
        LookupTable t = open("regexp",
                "if /@example\\.com$/",
                "if !/^admin@/",
                "/^(.+)@/ user $1",
                "endif",
                "/./ admin",
                "endif",
                "/./ other");
        assertThat(t.find("joe@example.com")).contains("user joe");
        assertThat(t.find("admin@example.com")).contains("admin");
        assertThat(t.find("joe@example.org")).contains("other");
    }

    @Test
    void keysAreNotFolded() throws Exception {
        LookupTable t = open("regexp", "/^(.*)$/ $1");
        assertThat(t.find("MiXeD")).contains("MiXeD");
    }

    @Test
    void regexpErrorsNameFileLineAndFix() throws Exception {
        Path f = dir.resolve("bad.regexp");
        assertThat(check("regexp", "/abc/ x", "/(a)/ $2")).contains(f + ", line 2").contains("$2").contains("$1..$1");
        assertThat(check("regexp", "/abc/")).contains("line 1").contains("without a result");
        assertThat(check("regexp", "/abc x")).contains("missing closing /");
        assertThat(check("regexp", "/abc/q x")).contains("unknown flag q").contains("i m x");
        assertThat(check("regexp", "/\\d+/ x")).contains("[0-9]");
        assertThat(check("regexp", "/a(/ x")).contains("invalid regular expression");
        assertThat(check("regexp", "!/(a)/ $1")).contains("no groups");
        assertThat(check("regexp", "/a/ $x")).contains("$$");
        assertThat(check("regexp", "if /a/ x", "endif")).contains("text after the if");
        assertThat(check("regexp", "if /a/")).contains("endif");
        assertThat(check("regexp", "endif")).contains("endif without");
        assertThat(check("regexp", "/a/x y")).contains("basic regular expressions");
    }

    @Test
    void pcreDefaultsAndFlags() throws Exception {
        LookupTable t = open("pcre",
                "/^a.b$/ dotall-default",
                "/^c.d$/s no-dotall",
                "/^Case$/i sensitive",
                "/ e f /x extended",
                "/^(g+)/U ungreedy $1",
                "/h/A anchored",
                "/^k$/E endonly",
                "/^m$/m multi");
        assertThat(t.find("a\nb")).contains("dotall-default");
        assertThat(t.find("c\nd")).isEmpty();
        assertThat(t.find("cxd")).contains("no-dotall");
        assertThat(t.find("case")).isEmpty();
        assertThat(t.find("Case")).contains("sensitive");
        assertThat(t.find("ef")).contains("extended");
        assertThat(t.find("xh")).isEmpty();
        assertThat(t.find("hx")).contains("anchored");
        assertThat(t.find("k\n")).isEmpty();
        assertThat(t.find("k")).contains("endonly");
        assertThat(t.find("x\nm\ny")).contains("multi");
        assertThat(t.find("ggg")).contains("ungreedy g");
    }

    @Test
    void pcreUngreedyAndSubstitution() throws Exception {
        LookupTable t = open("pcre",
                "/^(a+)(a*)$/U first=$1 rest=$2",
                "/^(?P<user>[^@]+)@(?P<dom>.+)$/ $2 $1",
                "/^(x)y\\g{1}\\g1$/ backref");
        assertThat(t.find("aaa")).contains("first=a rest=aa");
        assertThat(t.find("joe@example.com")).contains("example.com joe");
        assertThat(t.find("xyxx")).contains("backref");
    }

    @Test
    void pcreTranslations() throws Exception {
        LookupTable t = open("pcre",
                "/^[[:alpha:]]+\\d$/ alpha-digit",
                "/^[a[]+$/ bracket-literal",
                "/^x{,2}$/ literal-brace",
                "/^\\Q.*\\E$/ quoted",
                "/^n(?#comment)o$/ comment");
        assertThat(t.find("abc1")).contains("alpha-digit");
        assertThat(t.find("[a[")).contains("bracket-literal");
        assertThat(t.find("x{,2}")).contains("literal-brace");
        assertThat(t.find(".*")).contains("quoted");
        assertThat(t.find("no")).contains("comment");
    }

    @Test
    void pcreUnsupportedConstructsAreRejectedClearly() throws Exception {
        Path f = dir.resolve("bad.pcre");
        assertThat(check("pcre", "/a(?R)?b/ x")).contains(f + ", line 1").contains("recursion");
        assertThat(check("pcre", "/a\\Kb/ x")).contains("lookbehind");
        assertThat(check("pcre", "/(?(1)a|b)/ x")).contains("conditional");
        assertThat(check("pcre", "/(*FAIL)/ x")).contains("verbs");
        assertThat(check("pcre", "/a/Z x")).contains("unknown flag Z");
        assertThat(check("pcre", "/[[:foo:]]/ x")).contains("unknown character class");
    }
}
