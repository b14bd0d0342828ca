package io.multidb.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.sql.StreamRequest.NamedArg;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * What a stream carries from one HTTP request to the next: its stored SQL, the connection settings it changed,
 * and, while its transaction is open, the statement log that rebuilds the transaction on any connection.
 *
 * @param storedSql the store_sql texts by sql_id
 * @param settings  per-connection settings (Pragmas.CONNECTION_SETTINGS) as they stood when the open
 *                  transaction began (or now, if none is open), applied before the log is replayed
 * @param log       the open transaction's statements, first the one that opened it (BEGIN or SAVEPOINT);
 *                  empty when no transaction is open
 */
record StreamState(Map<Integer, String> storedSql, Map<String, Long> settings, List<Entry> log) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FORMAT = 1;
    /** Inflating stops here, whatever the store holds: a payload is never allowed to grow past the log limit. */
    private static final int MAX_INFLATED = 64 * 1024 * 1024;

    StreamState {
        storedSql = Map.copyOf(storedSql);
        settings = Map.copyOf(settings);
        log = List.copyOf(log);
    }

    boolean inTransaction() {
        return !log.isEmpty();
    }

    /**
     * One statement of the open transaction, and what its outcome looked like to the client.
     *
     * @param sql      one statement's text, stored SQL already resolved
     * @param wantRows as the client asked
     * @param seen     false for a statement of a sequence (the client sees whether it worked, not its result)
     * @param digest   {@link #digestOk}/{@link #digestError} of the outcome; null when the outcome cannot be
     *                 checked on replay (a read cut off by a result limit: the client saw only the limit error)
     */
    record Entry(String sql, List<SqlValue> args, List<NamedArg> named, boolean wantRows, boolean seen,
                 String digest) {
        Entry {
            args = List.copyOf(args);
            named = List.copyOf(named);
        }

        /** Roughly what this entry costs to store and replay: the text and the values it binds. */
        long bytes() {
            long n = sql.length() + 16;
            for (SqlValue v : args) {
                n += valueBytes(v);
            }
            for (NamedArg a : named) {
                n += a.name().length() + valueBytes(a.value());
            }
            return n;
        }

        private static long valueBytes(SqlValue v) {
            return switch (v) {
                case SqlValue.Text t -> 8 + t.value().length();
                case SqlValue.Blob b -> 8 + b.value().length;
                default -> 8;
            };
        }
    }

    /** Bytes counted against {@code StreamOptions.maxLogBytes}: the log's entries and the stored SQL. */
    long logBytes() {
        long n = 0;
        for (Entry e : log) {
            n += e.bytes();
        }
        for (String s : storedSql.values()) {
            n += s.length() + 8;
        }
        return n;
    }

    // ---- outcome digests: what the client saw, without timings ----

    /**
     * @param result the StmtResult the statement produced
     * @param seen   false for statements of a sequence, whose results the client never sees: only "it worked"
     * @param rowidMatters false unless the statement inserts: last_insert_rowid after an UPDATE is the
     *                     connection's history (another instance's connection has another), not the data's
     */
    static String digestOk(ObjectNode result, boolean seen, boolean rowidMatters) {
        MessageDigest sha = sha256();
        sha.update((byte) 'o');
        if (seen) {
            for (Map.Entry<String, JsonNode> f : result.properties()) {
                if (f.getKey().equals("query_duration_ms")
                        || (!rowidMatters && f.getKey().equals("last_insert_rowid"))) {
                    continue;
                }
                sha.update(f.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(f.getValue().toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
        }
        return shortDigest(sha);
    }

    /** A failure is known to the client by its code (messages may carry details that do not matter). */
    static String digestError(String code) {
        MessageDigest sha = sha256();
        sha.update((byte) 'e');
        sha.update(code.getBytes(StandardCharsets.UTF_8));
        return shortDigest(sha);
    }

    private static String shortDigest(MessageDigest sha) {
        byte[] full = sha.digest();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(full, 16));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- encoding: JSON, deflated ----

    byte[] encode() {
        ObjectNode root = JSON.createObjectNode();
        root.put("v", FORMAT);
        ObjectNode sql = root.putObject("sql");
        new TreeMap<>(storedSql).forEach((id, text) -> sql.put(Integer.toString(id), text));
        ObjectNode set = root.putObject("settings");
        new TreeMap<>(settings).forEach(set::put);
        ArrayNode entries = root.putArray("log");
        for (Entry e : log) {
            ObjectNode n = entries.addObject();
            n.put("sql", e.sql());
            if (!e.args().isEmpty()) {
                ArrayNode a = n.putArray("args");
                e.args().forEach(v -> a.add(toJson(v)));
            }
            if (!e.named().isEmpty()) {
                ArrayNode a = n.putArray("named");
                for (NamedArg arg : e.named()) {
                    ObjectNode o = a.addObject();
                    o.put("name", arg.name());
                    o.set("value", toJson(arg.value()));
                }
            }
            n.put("rows", e.wantRows());
            if (!e.seen()) {
                n.put("seen", false);
            }
            if (e.digest() != null) {
                n.put("d", e.digest());
            }
        }
        try {
            return deflate(JSON.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a stream", e);
        }
    }

    /** @throws IllegalArgumentException if the payload is not a stream state this version wrote */
    static StreamState decode(byte[] payload) {
        JsonNode root;
        try {
            root = JSON.readTree(inflate(payload));
        } catch (IOException | DataFormatException e) {
            throw new IllegalArgumentException("unreadable stream state", e);
        }
        if (root == null || root.path("v").asInt() != FORMAT) {
            throw new IllegalArgumentException("unknown stream state format");
        }
        Map<Integer, String> sql = new LinkedHashMap<>();
        root.path("sql").properties().forEach(f -> sql.put(Integer.parseInt(f.getKey()), f.getValue().asText()));
        Map<String, Long> settings = new LinkedHashMap<>();
        root.path("settings").properties().forEach(f -> {
            if (!Pragmas.CONNECTION_SETTINGS.contains(f.getKey())) {
                throw new IllegalArgumentException("unknown setting in stream state");
            }
            settings.put(f.getKey(), f.getValue().asLong());
        });
        List<Entry> log = new ArrayList<>();
        for (JsonNode n : root.path("log")) {
            List<SqlValue> args = new ArrayList<>();
            for (JsonNode v : n.path("args")) {
                args.add(SqlValue.fromJson(v, "stream log"));
            }
            List<NamedArg> named = new ArrayList<>();
            for (JsonNode a : n.path("named")) {
                named.add(new NamedArg(a.path("name").asText(), SqlValue.fromJson(a.get("value"), "stream log")));
            }
            JsonNode d = n.get("d");
            log.add(new Entry(n.path("sql").asText(), args, named, n.path("rows").asBoolean(),
                    n.path("seen").asBoolean(true), d == null ? null : d.asText()));
        }
        return new StreamState(sql, settings, log);
    }

    private static JsonNode toJson(SqlValue v) {
        return switch (v) {
            case SqlValue.Null n -> SqlValue.nullJson();
            case SqlValue.Integer i -> SqlValue.integerJson(i.value());
            case SqlValue.Float f -> SqlValue.floatJson(f.value());
            case SqlValue.Text t -> SqlValue.textJson(t.value());
            case SqlValue.Blob b -> SqlValue.blobJson(b.value());
        };
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(raw);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length / 4));
            byte[] buf = new byte[8192];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] data) throws DataFormatException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * 4);
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new DataFormatException("truncated stream state");
                }
                out.write(buf, 0, n);
                if (out.size() > MAX_INFLATED) {
                    throw new DataFormatException("stream state too large");
                }
            }
            return out.toByteArray();
        } finally {
            inf.end();
        }
    }
}
