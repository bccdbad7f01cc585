package dev.grpo.e2e;

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
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A line chart of curves over training steps, drawn with java.awt into a PNG (headless; no chart
 * library). The y axis always spans [0, 1] and widens to the data, so accuracy curves of different
 * runs read alike.
 */
public final class CurvePlot {
  /** One curve: a name for the legend, a colour, its points, and whether to mark each point. */
  public record Series(String name, Color color, List<RunSnapshot.Point> points, boolean markers) {}

  static final int WIDTH = 900;
  static final int HEIGHT = 520;
  private static final int LEFT = 70;
  private static final int RIGHT = 30;
  private static final int TOP = 60;
  private static final int BOTTOM = 60;

  static {
    // No display on servers and CI; must be set before the first AWT class loads.
    System.setProperty("java.awt.headless", "true");
  }

  private CurvePlot() {}

  /** Renders the series; {@code targetLine} (NaN for none) is drawn as a dashed horizontal line. */
  public static BufferedImage render(
      String title, String subtitle, List<Series> series, double targetLine) {
    int maxStep = 1;
    double lo = 0;
    double hi = 1;
    for (Series s : series) {
      for (RunSnapshot.Point p : s.points()) {
        maxStep = Math.max(maxStep, p.step());
        if (Double.isFinite(p.value())) {
          lo = Math.min(lo, p.value());
          hi = Math.max(hi, p.value());
        }
      }
    }
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      Frame frame = new Frame(maxStep, lo, hi);
      drawAxes(g, frame);
      if (Double.isFinite(targetLine)) {
        g.setColor(new Color(120, 120, 120));
        g.setStroke(
            new BasicStroke(
                1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 5f}, 0f));
        int y = frame.y(targetLine);
        g.drawLine(LEFT, y, WIDTH - RIGHT, y);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(
            String.format(Locale.ROOT, "target %.2f", targetLine), WIDTH - RIGHT - 75, y + 14);
      }
      for (Series s : series) {
        drawSeries(g, frame, s);
      }
      drawLegend(g, series);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.drawString(title, LEFT, 26);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawString(subtitle, LEFT, 44);
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Renders and writes a PNG. */
  public static void writePng(
      Path file, String title, String subtitle, List<Series> series, double targetLine)
      throws IOException {
    BufferedImage img = render(title, subtitle, series, targetLine);
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer available in this JDK to write " + file);
    }
  }

  private record Frame(int maxStep, double lo, double hi) {
    int x(double step) {
      return LEFT + (int) Math.round(step / maxStep * (WIDTH - LEFT - RIGHT));
    }

    int y(double v) {
      return HEIGHT - BOTTOM - (int) Math.round((v - lo) / (hi - lo) * (HEIGHT - TOP - BOTTOM));
    }
  }

  private static void drawAxes(Graphics2D g, Frame f) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    FontMetrics fm = g.getFontMetrics();
    for (int i = 0; i <= 5; i++) {
      double v = f.lo() + (f.hi() - f.lo()) * i / 5.0;
      int y = f.y(v);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(LEFT, y, WIDTH - RIGHT, y);
      g.setColor(Color.DARK_GRAY);
      String label = String.format(Locale.ROOT, "%.2f", v);
      g.drawString(label, LEFT - 8 - fm.stringWidth(label), y + 4);
    }
    int tick = niceTick(f.maxStep());
    for (int s = 0; s <= f.maxStep(); s += tick) {
      int x = f.x(s);
      g.setColor(new Color(240, 240, 240));
      g.drawLine(x, TOP, x, HEIGHT - BOTTOM);
      g.setColor(Color.DARK_GRAY);
      String label = Integer.toString(s);
      g.drawString(label, x - fm.stringWidth(label) / 2, HEIGHT - BOTTOM + 16);
    }
    g.setColor(Color.BLACK);
    g.drawLine(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM);
    g.drawLine(LEFT, TOP, LEFT, HEIGHT - BOTTOM);
    g.drawString("training step", (WIDTH - fm.stringWidth("training step")) / 2, HEIGHT - 18);
  }

  private static void drawSeries(Graphics2D g, Frame f, Series s) {
    g.setColor(s.color());
    g.setStroke(new BasicStroke(2f));
    List<RunSnapshot.Point> pts = s.points();
    for (int i = 1; i < pts.size(); i++) {
      g.drawLine(
          f.x(pts.get(i - 1).step()),
          f.y(pts.get(i - 1).value()),
          f.x(pts.get(i).step()),
          f.y(pts.get(i).value()));
    }
    if (s.markers() || pts.size() == 1) {
      for (RunSnapshot.Point p : pts) {
        g.fillOval(f.x(p.step()) - 4, f.y(p.value()) - 4, 8, 8);
      }
    }
  }

  private static void drawLegend(Graphics2D g, List<Series> series) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int x = LEFT + 12;
    int y = TOP + 16;
    for (Series s : series) {
      g.setColor(s.color());
      g.fillRect(x, y - 9, 18, 4);
      g.setColor(Color.BLACK);
      g.drawString(s.name(), x + 24, y - 3);
      y += 18;
    }
  }

  /** A step between x-axis labels that gives about eight labels: 1, 2, 5, 10, 20, 50... */
  static int niceTick(int maxStep) {
    int raw = Math.max(1, maxStep / 8);
    int magnitude = 1;
    while (magnitude * 10 <= raw) {
      magnitude *= 10;
    }
    for (int m : new int[] {1, 2, 5, 10}) {
      if (m * magnitude >= raw) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }
}
