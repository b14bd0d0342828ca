package io.multidb.migrations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The undo journals left in a data root ({@code databases/{name}.db-undo-{job}}): none once every job has ended. */
public final class UndoLeftovers {
    private UndoLeftovers() {
    }

    public static List<Path> in(Path dataRoot) {
        Path dir = dataRoot.resolve("databases");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().contains(".db-undo-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
