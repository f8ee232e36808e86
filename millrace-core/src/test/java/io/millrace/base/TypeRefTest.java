package io.millrace.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TypeRef keeps its type argument; codecs' failures become the field's ValidationException. */
class TypeRefTest {
  record Line(String sku, int units) {}

  /** A bean whose getter throws: no mapper can write it. */
  static final class Unwritable {
    public String getValue() {
      throw new IllegalStateException("no value today");
    }
  }

  @Test
  void anAnonymousSubclassKeepsTheGenericType() {
    assertThat(new TypeRef<List<Line>>() {}.type().getTypeName())
        .isEqualTo("java.util.List<io.millrace.base.TypeRefTest$Line>");
    assertThat(TypeRef.of(Line.class).type()).isEqualTo(Line.class);
  }

  @Test
  @SuppressWarnings({"rawtypes", "unchecked"})
  void aRawTypeRefIsRefusedWithTheWayToWriteIt() {
    assertThatThrownBy(() -> new TypeRef() {})
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("new TypeRef<List<Item>>() {}");
  }

  @Test
  void bothCodecsReadGenericTypes() {
    String json = "[{\"sku\":\"a\",\"units\":2}]";
    List<JsonCodec> codecs =
        List.of(
            Jackson2Codec.defaults(),
            Jackson3Codec.of(tools.jackson.databind.json.JsonMapper.builder().build()));
    for (JsonCodec codec : codecs) {
      Object read = codec.read(json, new TypeRef<List<Line>>() {}.type());
      assertThat(read).as(codec.toString()).isEqualTo(List.of(new Line("a", 2)));
      assertThat(Json.decode(codec, json, String.class)).isEqualTo(json);
      assertThat(Json.decode(codec, json, Object.class)).isEqualTo(Json.tree(json));
    }
  }

  @Test
  void whatACodecCannotWriteIsRefusedNamingTheField() {
    for (JsonCodec codec :
        List.of(
            Jackson2Codec.defaults(),
            Jackson3Codec.of(tools.jackson.databind.json.JsonMapper.builder().build()))) {
      assertThatThrownBy(() -> Json.encode(codec, "args", new Unwritable()))
          .isInstanceOfSatisfying(
              ValidationException.class,
              e -> {
                assertThat(e.field()).isEqualTo("args");
                assertThat(e.getMessage()).contains("cannot be serialised to JSON");
              });
      assertThatThrownBy(() -> Json.encode(codec, "data", Map.of("n", "a\u0000b")))
          .isInstanceOfSatisfying(
              ValidationException.class, e -> assertThat(e.field()).isEqualTo("data"));
    }
  }
}
