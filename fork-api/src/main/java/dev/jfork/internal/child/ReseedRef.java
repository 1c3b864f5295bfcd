package dev.jfork.internal.child;

import java.lang.reflect.Field;

/**
 * A static field of the JDK holding a generator, with what the child needs to reseed it: the offsets
 * are set in the parent, or in the child when Unsafe would warn in the parent ({@code JdkFields}).
 */
final class ReseedRef {
    final String source;
    final Field field;
    final int kind;
    final Field fieldA;
    final Field fieldB;
    Object base;
    long offset;
    long offsetA;
    long offsetB;

    /**
     * @param source the source's name
     * @param field the static field holding the generator
     * @param kind what it is ({@link ReseedTargets}' constants)
     * @param fieldA the generator's first instance field the child uses, or null
     * @param fieldB its second, or null
     */
    ReseedRef(String source, Field field, int kind, Field fieldA, Field fieldB) {
        this.source = source;
        this.field = field;
        this.kind = kind;
        this.fieldA = fieldA;
        this.fieldB = fieldB;
    }
}
