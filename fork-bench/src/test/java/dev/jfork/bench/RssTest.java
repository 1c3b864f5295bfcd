package dev.jfork.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Parsing only; nothing here times anything. */
class RssTest {
    @Test
    void readsTheVmRssLine() {
        String status = "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t   51234 kB\nRssAnon:\t 40000 kB\n";
        assertThat(Rss.parseVmRssKb(status)).isEqualTo(51234);
    }

    @Test
    void saysMinusOneWithoutTheLine() {
        assertThat(Rss.parseVmRssKb("Name:\tjava\n")).isEqualTo(-1);
    }

    @Test
    void theSmallTaskGivesItsExpectedResult() {
        assertThat(SmallTask.compute()).isEqualTo(SmallTask.EXPECTED);
    }
}
