package io.multidb.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * This JVM's CPU time, sampled every 10 ms with the wall clock, so that CPU can be attributed to the phases of a
 * migration afterwards (the phases' times come from the execution history, in epoch milliseconds).
 */
final class CpuSampler {
    private record Sample(long epochMs, long cpuNanos) {
    }

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final List<Sample> samples = new ArrayList<>();
    private volatile boolean running = true;
    private Thread thread;

    static CpuSampler start() {
        CpuSampler s = new CpuSampler();
        s.sample();
        s.thread = new Thread(() -> {
            while (s.running) {
                s.sample();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-cpu-sampler");
        s.thread.setDaemon(true);
        s.thread.start();
        return s;
    }

    private synchronized void sample() {
        samples.add(new Sample(System.currentTimeMillis(), os.getProcessCpuTime()));
    }

    void stop() throws InterruptedException {
        running = false;
        thread.join();
        sample();
    }

    synchronized double totalMs() {
        return (samples.getLast().cpuNanos() - samples.getFirst().cpuNanos()) / 1e6;
    }

    /** CPU milliseconds between two wall-clock instants, interpolated between samples. */
    synchronized double cpuMsBetween(long fromEpochMs, long toEpochMs) {
        return (at(toEpochMs) - at(fromEpochMs)) / 1e6;
    }

    private double at(long epochMs) {
        Sample prev = samples.getFirst();
        if (epochMs <= prev.epochMs()) {
            return prev.cpuNanos();
        }
        for (Sample s : samples) {
            if (s.epochMs() >= epochMs) {
                if (s.epochMs() == prev.epochMs()) {
                    return s.cpuNanos();
                }
                double f = (double) (epochMs - prev.epochMs()) / (s.epochMs() - prev.epochMs());
                return prev.cpuNanos() + f * (s.cpuNanos() - prev.cpuNanos());
            }
            prev = s;
        }
        return samples.getLast().cpuNanos();
    }
}
