/**
 * Counters, gauges and histograms for the admin port's {@code /metrics}, written in the
 * Prometheus text exposition format (version 0.0.4). Plain Java on {@code LongAdder}s so that a
 * hook in the hot path is one cheap line; no metrics library.
 *
 * <p>This package sits at the bottom of the layers (beside {@code log}): server, queue,
 * delivery, policy, dns and store all count into {@link org.postern.metrics.Metrics} and
 * import nothing else from here.
 */
package org.postern.metrics;
