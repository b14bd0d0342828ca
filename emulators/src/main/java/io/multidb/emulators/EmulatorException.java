package io.multidb.emulators;

/** An emulator could not be found, started or stopped. The message says what to do. */
public class EmulatorException extends RuntimeException {
    public EmulatorException(String message) {
        super(message);
    }

    public EmulatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
