package io.multidb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotTest {
    @TempDir
    Path dir;

    @Test
    void stepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(Plot.niceStep(0.7)).isEqualTo(1);
        assertThat(Plot.niceStep(1.3)).isEqualTo(2);
        assertThat(Plot.niceStep(180)).isEqualTo(200);
        assertThat(Plot.niceStep(201)).isEqualTo(500);
        assertThat(Plot.label(0.254)).isEqualTo("0.25");
        assertThat(Plot.label(7.96)).isEqualTo("8.0");
    }

    @Test
    void writesAPngWithBothSeriesDrawn() throws Exception {
        Color red = new Color(200, 60, 40);
        Color blue = new Color(40, 90, 200);
        Path png = dir.resolve("p.png");
        Plot.write(png, "title", "x", "y", List.of(
                new Plot.Series("a", red, new double[] {100, 1000}, new double[] {2.4, 8.0}),
                new Plot.Series("b", blue, new double[] {100, 1000}, new double[] {0.3, 3.0})));

        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(900);
        assertThat(count(img, red)).isGreaterThan(100);
        assertThat(count(img, blue)).isGreaterThan(100);
    }

    private static int count(BufferedImage img, Color c) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) {
                    n++;
                }
            }
        }
        return n;
    }
}
