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

  /** The captured type, e.g. {@code java.util.List<com.example.LineItem>}. */
  public final Type type() {
    return type;
  }

  @Override
  public String toString() {
    return "TypeRef<" + type.getTypeName() + ">";
  }
}
