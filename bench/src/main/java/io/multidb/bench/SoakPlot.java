package io.multidb.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * The soak's plot (bin/soak, docs/soak.md): throughput and latency per second over the run, two panels sharing
 * the time axis, the background shaded where a migration ran, where dynalite restarted and where the runtime was
 * down. Reads the timeline.csv that bench/soak/soak.mjs writes.
 */
public final class SoakPlot {
    /** One second of the run, as timeline.csv has it. */
    record Second(int t, double ok, double errors, double p50, double p99, String cls) {
    }

    private static final Map<String, Color> SHADE = Map.of(
            "migration", new Color(255, 240, 190),
            "dynalite", new Color(225, 215, 250),
            "outage", new Color(255, 205, 205));
    private static final int W = 1100;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;

    private SoakPlot() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: SoakPlot timeline.csv out.png");
            System.exit(2);
        }
        List<Second> secs = read(Path.of(args[0]));
        write(secs, Path.of(args[1]));
        System.err.println("bin/soak: plot written to " + args[1]);
    }

    static List<Second> read(Path csv) throws IOException {
        List<Second> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            out.add(new Second(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[4]), Double.parseDouble(f[5]), f[6]));
        }
        return out;
    }

    static void write(List<Second> secs, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int h = 760;
        BufferedImage img = new BufferedImage(W, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, h);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString("Soak: throughput and latency per second (@libsql/client over HTTP, local runtime)", LEFT, 30);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            legend(g, 52);
            double maxT = Math.max(1, secs.size());
            panel(g, secs, maxT, 90, 270, "operations / s", false, List.of(
                    new Line("ok ops/s", new Color(30, 130, 60), Second::ok),
                    new Line("errors/s", new Color(200, 40, 40), Second::errors)));
            panel(g, secs, maxT, 420, 270, "latency ms (log)", true, List.of(
                    new Line("p50", new Color(40, 90, 200), Second::p50),
                    new Line("p99", new Color(230, 120, 20), Second::p99)));
            g.setColor(Color.BLACK);
            String x = "seconds since the load started";
            g.drawString(x, LEFT + (W - LEFT - RIGHT) / 2 - g.getFontMetrics().stringWidth(x) / 2, h - 15);
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", file.toFile());
    }

    record Line(String name, Color color, ToDoubleFunction<Second> value) {
    }

    private static void legend(Graphics2D g, int y) {
        int x = LEFT;
        for (String[] e : new String[][] {{"migration", "a migration running"}, {"dynalite", "dynalite restarting"},
                {"outage", "runtime killed, until served again"}}) {
            g.setColor(SHADE.get(e[0]));
            g.fillRect(x, y - 11, 24, 14);
            g.setColor(Color.BLACK);
            g.drawString(e[1], x + 30, y);
            x += 60 + g.getFontMetrics().stringWidth(e[1]);
        }
    }

    private static void panel(Graphics2D g, List<Second> secs, double maxT, int top, int ph, String yLabel, boolean log,
                              List<Line> lines) {
        int pw = W - LEFT - RIGHT;
        double maxY = 0;
        double minPositive = Double.MAX_VALUE;
        for (Second s : secs) {
            for (Line l : lines) {
                double v = l.value().applyAsDouble(s);
                maxY = Math.max(maxY, v);
                if (v > 0) {
                    minPositive = Math.min(minPositive, v);
                }
            }
        }
        // Shading first, then grid, then lines.
        for (Second s : secs) {
            Color c = SHADE.get(s.cls());
            if (c != null) {
                int x0 = LEFT + (int) Math.round(s.t() / maxT * pw);
                int x1 = LEFT + (int) Math.round((s.t() + 1) / maxT * pw);
                g.setColor(c);
                g.fillRect(x0, top, Math.max(1, x1 - x0), ph);
            }
        }
        double lo;
        double hi;
        if (log) {
            lo = Math.pow(10, Math.floor(Math.log10(minPositive == Double.MAX_VALUE ? 1 : minPositive)));
            hi = Math.pow(10, Math.ceil(Math.log10(Math.max(lo * 10, maxY))));
        } else {
            lo = 0;
            double step = Plot.niceStep(maxY / 5);
            hi = Math.max(step, Math.ceil(maxY * 1.1 / step) * step);
        }
        ToDoubleFunction<Double> y = v -> {
            double f = log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
                    : (v - lo) / (hi - lo);
            return top + ph - f * ph;
        };
        var fm = g.getFontMetrics();
        List<Double> ticks = new ArrayList<>();
        if (log) {
            for (double v = lo; v <= hi * 1.0001; v *= 10) {
                ticks.add(v);
            }
        } else {
            double step = Plot.niceStep(hi / 5);
            for (double v = 0; v <= hi + 1e-9; v += step) {
                ticks.add(v);
            }
        }
        for (double v : ticks) {
            int py = (int) Math.round(y.applyAsDouble(v));
            g.setColor(new Color(215, 215, 215));
            g.drawLine(LEFT, py, LEFT + pw, py);
            g.setColor(Color.DARK_GRAY);
            String label = Plot.format(v);
            g.drawString(label, LEFT - 8 - fm.stringWidth(label), py + fm.getAscent() / 2 - 1);
        }
        double tStep = Plot.niceStep(maxT / 10);
        for (double t = 0; t <= maxT + 1e-9; t += tStep) {
            int px = LEFT + (int) Math.round(t / maxT * pw);
            g.setColor(new Color(215, 215, 215));
            g.drawLine(px, top, px, top + ph);
            g.setColor(Color.DARK_GRAY);
            String label = Plot.format(t);
            g.drawString(label, px - fm.stringWidth(label) / 2, top + ph + 16);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, top, pw, ph);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel, -(top + ph / 2) - fm.stringWidth(yLabel) / 2, 24);
        rotated.dispose();
        int lx = LEFT + pw - 20;
        for (int i = lines.size() - 1; i >= 0; i--) {
            Line l = lines.get(i);
            g.setStroke(new BasicStroke(1.6f));
            g.setColor(l.color());
            int prevX = -1;
            int prevY = -1;
            for (Second s : secs) {
                int px = LEFT + (int) Math.round((s.t() + 0.5) / maxT * pw);
                if (log && s.ok() == 0) {
                    prevX = -1; // no successful operation that second: no latency, a gap in the line
                    continue;
                }
                int py = (int) Math.round(y.applyAsDouble(l.value().applyAsDouble(s)));
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, px, py);
                }
                prevX = px;
                prevY = py;
            }
            lx -= fm.stringWidth(l.name()) + 40;
            g.fillRect(lx, top - 12, 24, 4);
            g.setColor(Color.BLACK);
            g.drawString(l.name(), lx + 30, top - 6);
        }
        g.setStroke(new BasicStroke(1f));
    }
}
