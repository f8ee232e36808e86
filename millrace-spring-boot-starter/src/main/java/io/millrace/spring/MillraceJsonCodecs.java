package io.millrace.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.base.Jackson2Codec;
import io.millrace.base.Jackson3Codec;
import io.millrace.base.JsonCodec;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Picks the node's {@link JsonCodec} from the application's own mapper, so job args, results,
 * events and documents are written as the rest of the application writes JSON:
 *
 * <ol>
 *   <li>a Jackson 3 {@code JsonMapper} (or other {@code tools.jackson} {@code ObjectMapper}) bean,
 *       as Spring Boot 4 configures by default: {@link Jackson3Codec};
 *   <li>else a Jackson 2 {@code ObjectMapper} bean, as Spring Boot 3 configures: {@link
 *       Jackson2Codec};
 *   <li>else Millrace's default, {@link Jackson2Codec#defaults()}.
 * </ol>
 *
 * A {@code JsonCodec} bean of the application's replaces this choice altogether. Among several
 * mappers of one kind the primary one counts; several without a primary are passed over.
 */
final class MillraceJsonCodecs {
  static final String JACKSON3 = "tools.jackson.databind.ObjectMapper";

  private MillraceJsonCodecs() {}

  static JsonCodec pick(ListableBeanFactory beans, @Nullable ClassLoader loader) {
    if (ClassUtils.isPresent(JACKSON3, loader)) {
      JsonCodec jackson3 = Jackson3.codec(beans);
      if (jackson3 != null) {
        return jackson3;
      }
    }
    ObjectMapper jackson2 = beans.getBeanProvider(ObjectMapper.class).getIfUnique();
    return jackson2 != null ? Jackson2Codec.of(jackson2) : Jackson2Codec.defaults();
  }

  /**
   * Apart, so that the Jackson 3 types are loaded only when the application has them: on Spring
   * Boot 3 this class is never touched.
   */
  private static final class Jackson3 {
    static @Nullable JsonCodec codec(ListableBeanFactory beans) {
      tools.jackson.databind.ObjectMapper mapper =
          beans.getBeanProvider(tools.jackson.databind.json.JsonMapper.class).getIfUnique();
      if (mapper == null) {
        mapper = beans.getBeanProvider(tools.jackson.databind.ObjectMapper.class).getIfUnique();
      }
      return mapper == null ? null : Jackson3Codec.of(mapper);
    }
  }
}
