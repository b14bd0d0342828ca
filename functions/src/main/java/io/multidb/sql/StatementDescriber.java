package io.multidb.sql;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.sql.SqlStatement.Kind;
import io.multidb.sql.SqlStatement.Parameters;
import io.multidb.sql.SqlTokenizer.Token;
import io.multidb.storage.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import org.sqlite.core.CoreStatement;

/**
 * The describe request (part of Hrana 2, as libSQL's server answers it): a statement prepared, never run, and
 * described: its parameters (SQLite's names, null for a bare ?), its columns (name, declared type), whether it is
 * an EXPLAIN and whether it is read-only. The sandbox decides first, as for a statement that runs (preparing some
 * pragmas acts at once).
 * <p>
 * sqlite-jdbc does not expose {@code sqlite3_stmt_readonly} or {@code sqlite3_stmt_isexplain}; the first is read
 * from the statement's program ({@code EXPLAIN}): SQLite marks a statement as writing exactly when its program
 * opens a write transaction or runs Vacuum, JournalMode or Checkpoint, and that is what is looked for. The second
 * is the statement's first keyword. An EXPLAIN statement is described by the program of the statement it explains.
 */
final class StatementDescriber {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> WRITING_OPCODES = Set.of("Vacuum", "JournalMode", "Checkpoint");

    private StatementDescriber() {
    }

    static ObjectNode describe(StatementRunner runner, SqlStatement st) {
        if (st.analysis().refusal() != null) {
            throw new StatementFailure(SqlErrorCodes.STATEMENT_NOT_ALLOWED, st.analysis().refusal());
        }
        PreparedStatement ps = runner.prepare(st.sql());
        boolean explain = st.analysis().kind() == Kind.EXPLAIN;
        try {
            ObjectNode result = JSON.objectNode();
            ArrayNode params = result.putArray("params");
            int count = ps.getParameterMetaData().getParameterCount();
            Parameters p = st.analysis().parameters();
            for (int i = 1; i <= count; i++) {
                String name = p.valid() && i < p.names().length ? p.names()[i] : null;
                ObjectNode param = params.addObject();
                if (name == null) {
                    param.putNull("name");
                } else {
                    param.put("name", name);
                }
            }
            result.set("cols", runner.codec.columns((CoreStatement) ps));
            result.put("is_explain", explain);
            result.put("is_readonly", readonly(runner, explain ? explained(st) : st.sql()));
            return result;
        } catch (SQLException e) {
            runner.cache.evict(st.sql());
            throw runner.failure(e, true);
        }
    }

    /** Whether the statement's program writes nothing (what {@code sqlite3_stmt_readonly} answers). */
    private static boolean readonly(StatementRunner runner, String sql) {
        try (PreparedStatement ps = runner.cache.connection().prepareStatement("EXPLAIN " + sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String opcode = rs.getString(2);
                if (("Transaction".equals(opcode) && rs.getLong(4) != 0) || WRITING_OPCODES.contains(opcode)) {
                    return false;
                }
            }
            return true;
        } catch (SQLException e) {
            throw new StorageException("cannot read the program of a statement that prepared", e);
        }
    }

    /** The statement an EXPLAIN [QUERY PLAN] statement explains. */
    private static String explained(SqlStatement st) {
        List<Token> t = st.tokens();
        int at = t.size() > 3 && t.get(1).isWord("QUERY") && t.get(2).isWord("PLAN") ? 3 : 1;
        return st.sql().substring(t.get(at).start() - t.get(0).start()); // offsets are in the text it came from
    }
}
