package io.multidb.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.multidb.storage.StorageOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.sqlite.SQLiteConfig;

/**
 * The floor of SQL over HTTP (issue 12): the JDK's own HTTP server answering the exact request {@code @libsql/client}
 * sends for the bench's point SELECT or single-row INSERT with sqlite-jdbc and nothing else: no token check, no
 * routing, no JSON parser (the arguments are cut out of the body by position), one connection per thread with its
 * statements prepared once, the same file settings as the product (rollback journal, busy timeout, foreign keys).
 * Its answer has the shape of the product's (cols, rows, counters), written by hand.
 */
final class FloorServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final Path file;
    private final ThreadLocal<Stmts> stmts = ThreadLocal.withInitial(this::open);

    private record Stmts(Connection c, PreparedStatement select, PreparedStatement insert, PreparedStatement rowid) {
    }

    FloorServer(Path file, int threads) throws IOException {
        this.file = file;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // The same pool shape as the local runtime's front (ApiGatewayFront): platform threads.
        executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "floor-" + r.hashCode());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private Stmts open() {
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.DELETE);
            config.setBusyTimeout((int) StorageOptions.defaults().busyTimeout().toMillis());
            config.enforceForeignKeys(true);
            Connection c = config.createConnection("jdbc:sqlite:" + file);
            return new Stmts(c, c.prepareStatement(SqlHttpBench.SELECT_SQL), c.prepareStatement(SqlHttpBench.INSERT_SQL),
                    c.prepareStatement("SELECT last_insert_rowid()"));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void serve(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        String b = new String(body, StandardCharsets.UTF_8);
        String out;
        int status = 200;
        try {
            Stmts s = stmts.get();
            if (ex.getRequestHeaders().getFirst("authorization") == null) {
                status = 401;
                out = "{\"message\":\"no token\",\"code\":\"UNAUTHORIZED\"}";
            } else if (b.contains("SELECT")) {
                out = select(s, Integer.parseInt(value(b, 0)));
            } else {
                out = insert(s, value(b, 0), Integer.parseInt(value(b, 1)), value(b, 2));
            }
        } catch (RuntimeException | SQLException e) {
            status = 500;
            out = "{\"message\":\"" + e.getMessage() + "\"}";
        }
        byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    /** The n-th {@code "value":"..."} of the body. */
    private static String value(String body, int n) {
        int at = -1;
        for (int i = 0; i <= n; i++) {
            at = body.indexOf("\"value\":\"", at + 1);
        }
        int start = at + 9;
        return body.substring(start, body.indexOf('"', start));
    }

    private static String select(Stmts s, int id) throws SQLException {
        long t0 = System.nanoTime();
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"baton\":null,\"base_url\":null,\"results\":[{\"type\":\"ok\",\"response\":{\"type\":\"execute\","
                + "\"result\":{\"cols\":[{\"name\":\"id\",\"decltype\":\"INTEGER\"},{\"name\":\"name\",\"decltype\":"
                + "\"TEXT\"},{\"name\":\"qty\",\"decltype\":\"INTEGER\"},{\"name\":\"created_at\",\"decltype\":\"TEXT\"}],"
                + "\"rows\":[");
        s.select().setLong(1, id);
        int rows = 0;
        try (ResultSet rs = s.select().executeQuery()) {
            while (rs.next()) {
                if (rows++ > 0) {
                    sb.append(',');
                }
                sb.append("[{\"type\":\"integer\",\"value\":\"").append(rs.getLong(1)).append("\"},{\"type\":\"text\","
                        + "\"value\":\"").append(rs.getString(2)).append("\"},{\"type\":\"integer\",\"value\":\"")
                        .append(rs.getLong(3)).append("\"},{\"type\":\"text\",\"value\":\"").append(rs.getString(4))
                        .append("\"}]");
            }
        }
        return tail(sb, 0, null, rows, 0, t0);
    }

    private static String insert(Stmts s, String name, int qty, String at) throws SQLException {
        long t0 = System.nanoTime();
        PreparedStatement p = s.insert();
        p.setString(1, name);
        p.setInt(2, qty);
        p.setString(3, at);
        int n = p.executeUpdate();
        long rowid;
        try (ResultSet rs = s.rowid().executeQuery()) {
            rowid = rs.next() ? rs.getLong(1) : 0;
        }
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"baton\":null,\"base_url\":null,\"results\":[{\"type\":\"ok\",\"response\":{\"type\":\"execute\","
                + "\"result\":{\"cols\":[],\"rows\":[");
        return tail(sb, n, Long.toString(rowid), 0, n, t0);
    }

    private static String tail(StringBuilder sb, long affected, String rowid, long read, long written, long t0) {
        sb.append("],\"affected_row_count\":").append(affected).append(",\"last_insert_rowid\":")
                .append(rowid == null ? "null" : "\"" + rowid + "\"").append(",\"rows_read\":").append(read)
                .append(",\"rows_written\":").append(written).append(",\"query_duration_ms\":")
                .append((System.nanoTime() - t0) / 1000 / 1000.0)
                .append("}}},{\"type\":\"ok\",\"response\":{\"type\":\"close\"}}]}");
        return sb.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
