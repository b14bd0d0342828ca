package io.multidb.sql;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.sql.SqlStatement.Parameters;
import io.multidb.sql.StreamRequest.NamedArg;
import io.multidb.storage.StorageException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.core.CoreStatement;

/**
 * Values across the protocol's edge: arguments bound to a statement's parameters (positional, or named as the
 * client typed them), and result columns and rows encoded by each value's own storage class. Counts the
 * approximate bytes of what it encodes, for the result byte limit.
 */
final class ValueCodec {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int SQLITE_INTEGER = 1;
    private static final int SQLITE_FLOAT = 2;
    private static final int SQLITE_TEXT = 3;
    private static final int SQLITE_BLOB = 4;

    /** Approximate bytes encoded so far. */
    long bytes;

    static void bind(PreparedStatement ps, Parameters p, List<SqlValue> args, List<NamedArg> named) {
        try {
            int count = ps.getParameterMetaData().getParameterCount();
            if (named.isEmpty()) {
                if (args.size() != count) {
                    throw argsInvalid("the statement has " + count + " parameter(s) but " + args.size()
                            + " argument(s) were given");
                }
                for (int i = 0; i < count; i++) {
                    set(ps, i + 1, args.get(i));
                }
                return;
            }
            if (!p.valid() || p.count() != count) {
                throw argsInvalid("the names of this statement's parameters cannot be told; use positional "
                        + "arguments");
            }
            Map<String, SqlValue> byName = new HashMap<>();
            for (NamedArg arg : named) {
                byName.put(arg.name(), arg.value());
            }
            for (int i = 1; i <= count; i++) {
                String name = p.names()[i];
                if (p.anonymous()[i]) {
                    throw argsInvalid("parameter " + i + " is a bare ? and takes a positional argument");
                }
                if (name == null) {
                    set(ps, i, SqlValue.NULL); // a number no parameter uses (?2 without ?1)
                    continue;
                }
                SqlValue v = byName.get(name);
                if (v == null) {
                    v = byName.get(name.substring(1)); // "a" for :a, @a, $a
                }
                if (v == null) {
                    throw argsInvalid("no value was given for " + name);
                }
                set(ps, i, v);
            }
        } catch (SQLException e) {
            throw new StorageException("cannot bind arguments", e);
        }
    }

    private static StatementFailure argsInvalid(String detail) {
        return new StatementFailure(ProtocolCodes.ARGS_INVALID, "Arguments do not match SQL parameters: " + detail);
    }

    private static void set(PreparedStatement ps, int index, SqlValue value) throws SQLException {
        switch (value) {
            case SqlValue.Null n -> ps.setNull(index, Types.NULL);
            case SqlValue.Integer v -> ps.setLong(index, v.value());
            case SqlValue.Float v -> ps.setDouble(index, v.value());
            case SqlValue.Text v -> ps.setString(index, v.value());
            case SqlValue.Blob v -> ps.setBytes(index, v.value());
        }
    }

    /** The statement's columns: name and declared type (null for expressions). */
    ArrayNode columns(CoreStatement core) throws SQLException {
        return core.pointer.safeRun((d, p) -> {
            int n = d.column_count(p);
            ArrayNode out = JSON.arrayNode(n);
            for (int i = 0; i < n; i++) {
                ObjectNode c = out.addObject();
                String name = d.column_name(p, i);
                c.put("name", name);
                String decltype = d.column_decltype(p, i);
                if (decltype == null) {
                    c.putNull("decltype");
                } else {
                    c.put("decltype", decltype);
                }
                bytes += 32 + (name == null ? 0 : name.length()) + (decltype == null ? 0 : decltype.length());
            }
            return out;
        });
    }

    /** The current row, each value by its own storage class (not the column's declared type). */
    ArrayNode row(CoreStatement core, int n) throws SQLException {
        ArrayNode row = JSON.arrayNode(n);
        core.pointer.safeRunConsume((d, p) -> {
            for (int i = 0; i < n; i++) {
                switch (d.column_type(p, i)) {
                    case SQLITE_INTEGER -> {
                        row.add(SqlValue.integerJson(d.column_long(p, i)));
                        bytes += 48;
                    }
                    case SQLITE_FLOAT -> {
                        row.add(SqlValue.floatJson(d.column_double(p, i)));
                        bytes += 48;
                    }
                    case SQLITE_TEXT -> {
                        String s = d.column_text(p, i);
                        if (s == null) {
                            s = "";
                        }
                        row.add(SqlValue.textJson(s));
                        bytes += 32 + utf8Length(s);
                    }
                    case SQLITE_BLOB -> {
                        byte[] b = d.column_blob(p, i);
                        if (b == null) {
                            b = new byte[0];
                        }
                        row.add(SqlValue.blobJson(b));
                        bytes += 32 + (b.length + 2L) / 3 * 4;
                    }
                    default -> {
                        row.add(SqlValue.nullJson());
                        bytes += 16;
                    }
                }
            }
        });
        return row;
    }

    private static long utf8Length(String s) {
        long n = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                n += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;
            }
        }
        return n;
    }
}
