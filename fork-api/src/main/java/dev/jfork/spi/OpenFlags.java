package dev.jfork.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code open(2)} flags of {@link ProcessForker#open}, as Linux numbers them on x86_64 and aarch64
 * (the same on both), and how an error message spells them.
 */
public final class OpenFlags {
    /** Open for reading only. */
    public static final int O_RDONLY = 0;
    /** Open for writing only. */
    public static final int O_WRONLY = 1;
    /** Create the file if it does not exist (with the mode given). */
    public static final int O_CREAT = 0100;
    /** Truncate an existing file to length 0. */
    public static final int O_TRUNC = 01000;
    /** Every write goes to the end of the file. */
    public static final int O_APPEND = 02000;
    /** Open without waiting: a FIFO opened so for writing fails with {@code ENXIO} when it has no reader. */
    public static final int O_NONBLOCK = 04000;
    /** Close the descriptor on {@code exec}: jfork opens every file with it. */
    public static final int O_CLOEXEC = 02000000;

    private OpenFlags() {
    }

    /**
     * The flags as C spells them, for an error message.
     *
     * @param flags a combination of this class's flags
     * @return e.g. {@code O_WRONLY|O_CREAT|O_TRUNC}
     */
    public static String describe(int flags) {
        List<String> names = new ArrayList<>();
        names.add((flags & O_WRONLY) != 0 ? "O_WRONLY" : "O_RDONLY");
        int[] bits = {O_CREAT, O_TRUNC, O_APPEND, O_NONBLOCK, O_CLOEXEC};
        String[] bitNames = {"O_CREAT", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_CLOEXEC"};
        int known = O_WRONLY;
        for (int i = 0; i < bits.length; i++) {
            known |= bits[i];
            if ((flags & bits[i]) != 0) {
                names.add(bitNames[i]);
            }
        }
        if ((flags & ~known) != 0) {
            names.add("0" + Integer.toOctalString(flags & ~known));
        }
        return String.join("|", names);
    }
}
