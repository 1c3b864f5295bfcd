/**
 * JMH benchmarks of jfork: the raw SPI fork and the safe layer's fork, call and exec on each backend,
 * against {@link java.lang.ProcessBuilder}. {@code fork-bench/bench.sh} runs them together with a C
 * and a Python baseline; see the module's README.
 */
package dev.jfork.bench;
