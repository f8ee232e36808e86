package io.millrace.examples.springboot;

import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class SignupController {
  private final Signups signups;

  public SignupController(Signups signups) {
    this.signups = signups;
  }

  public record SignupRequest(String email) {}

  @PostMapping("/signups")
  public Map<String, Long> signUp(@RequestBody SignupRequest request) {
    return Map.of("id", signups.signUp(request.email()));
  }
}
