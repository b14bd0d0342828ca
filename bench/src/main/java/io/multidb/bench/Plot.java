package io.multidb.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** The migration plot (scenario 5): wall time against the number of children, one line per series, as a PNG. */
final class Plot {
    /** One line: a name, a colour, and (x, y) points in increasing x. */
    record Series(String name, Color color, double[] x, double[] y) {
    }

    private Plot() {
    }

    static void write(Path file, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 900;
        int h = 560;
        int left = 90;
        int right = 30;
        int top = 60 + 22 * series.size();
        int bottom = 70;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);

            double maxX = 0;
            double maxY = 0;
            for (Series s : series) {
                for (double x : s.x()) {
                    maxX = Math.max(maxX, x);
                }
                for (double y : s.y()) {
                    maxY = Math.max(maxY, y);
                }
            }
            double xStep = niceStep(maxX / 5);
            double yStep = niceStep(maxY / 5);
            double xMax = Math.ceil(maxX * 1.05 / xStep) * xStep;
            double yMax = Math.ceil(maxY * 1.1 / yStep) * yStep;
            int pw = w - left - right;
            int ph = h - top - bottom;

            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            centered(g, title, left + pw / 2, 32);

            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            FontMetrics fm = g.getFontMetrics();
            for (double y = 0; y <= yMax + 1e-9; y += yStep) {
                int py = top + ph - (int) Math.round(y / yMax * ph);
                g.setColor(new Color(225, 225, 225));
                g.drawLine(left, py, left + pw, py);
                g.setColor(Color.DARK_GRAY);
                String label = format(y);
                g.drawString(label, left - 8 - fm.stringWidth(label), py + fm.getAscent() / 2 - 1);
            }
            for (double x = 0; x <= xMax + 1e-9; x += xStep) {
                int px = left + (int) Math.round(x / xMax * pw);
                g.setColor(new Color(225, 225, 225));
                g.drawLine(px, top, px, top + ph);
                g.setColor(Color.DARK_GRAY);
                centered(g, format(x), px, top + ph + 20);
            }
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.5f));
            g.drawLine(left, top + ph, left + pw, top + ph);
            g.drawLine(left, top, left, top + ph);
            centered(g, xLabel, left + pw / 2, h - 22);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(-Math.PI / 2);
            centered(rotated, yLabel, -(top + ph / 2), 28);
            rotated.dispose();

            int legendY = 58;
            int index = 0;
            for (Series s : series) {
                // The first series' values above and left of its points, the others' below and right: rising
                // lines then never run through a label.
                boolean first = index++ == 0;
                g.setColor(s.color());
                g.setStroke(new BasicStroke(3f));
                int prevX = -1;
                int prevY = -1;
                for (int i = 0; i < s.x().length; i++) {
                    int px = left + (int) Math.round(s.x()[i] / xMax * pw);
                    int py = top + ph - (int) Math.round(s.y()[i] / yMax * ph);
                    if (prevX >= 0) {
                        g.drawLine(prevX, prevY, px, py);
                    }
                    g.fillOval(px - 5, py - 5, 10, 10);
                    String text = label(s.y()[i]) + " s";
                    if (first) {
                        g.drawString(text, px - 10 - g.getFontMetrics().stringWidth(text), py - 10);
                    } else {
                        g.drawString(text, px + 8, py + 20);
                    }
                    prevX = px;
                    prevY = py;
                }
                g.fillRect(left + 20, legendY - 9, 24, 4);
                g.setColor(Color.BLACK);
                g.drawString(s.name(), left + 52, legendY - 2);
                legendY += 22;
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", file.toFile());
    }

    private static void centered(Graphics2D g, String text, int x, int y) {
        g.drawString(text, x - g.getFontMetrics().stringWidth(text) / 2, y);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static double niceStep(double rough) {
        if (rough <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= rough) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** A point's value: two significant decimals below 10. */
    static String label(double v) {
        return v >= 10 ? String.format("%.0f", v) : v >= 1 ? String.format("%.1f", v) : String.format("%.2f", v);
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        return Math.abs(v) >= 10 ? String.format("%.0f", v) : String.format("%.1f", v);
    }
}
