package io.millrace.base;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * A generic type captured at compile time, for args, event data and documents whose type a {@code
 * Class} cannot name: {@code new TypeRef<List<LineItem>>() {}}. The anonymous subclass is what
 * keeps the type argument at run time.
 *
 * @param <T> the type it names
 */
public abstract class TypeRef<T> {
  private final Type type;

  protected TypeRef() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType p)) {
      throw new ValidationException(
          "type", "TypeRef needs its type argument: write new TypeRef<List<Item>>() {}");
    }
    this.type = p.getActualTypeArguments()[0];
  }

  private TypeRef(Type type) {
    this.type = type;
  }

  /**
   * A TypeRef for a type known only at run time (a {@code Class}, or a framework's reflection of a
   * generic type). Nothing checks that {@code T} is {@code type}: prefer the anonymous subclass.
   */
  public static <T> TypeRef<T> of(Type type) {
    if (type == null) {
      throw new ValidationException("type", "must not be null");
    }
    return new TypeRef<T>(type) {};
  }

  /** The captured type, e.g. {@code java.util.List<com.example.LineItem>}. */
  public final Type type() {
    return type;
  }

  @Override
  public String toString() {
    return "TypeRef<" + type.getTypeName() + ">";
  }
}
