package dev.grpo.trainer.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.grpo.trainer.rest.RunViews.ErrorView;
import dev.grpo.trainer.run.FieldRule;
import dev.grpo.trainer.run.InvalidRunConfigException;
import dev.grpo.trainer.run.RunRules;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps failures to 4xx bodies that name the field, the value and the rule. */
public class ErrorMappers {
  /** The field name of the request body as a whole (JSONPath's root). */
  static final String BODY = "$";

  @ServerExceptionMapper
  public Response invalidConfig(InvalidRunConfigException e) {
    return Response.status(400)
        .entity(new ErrorView(400, e.getMessage(), e.field(), e.value(), e.rule()))
        .build();
  }

  /** Malformed JSON, a wrong type or an unknown field in the body. */
  @ServerExceptionMapper({
    JsonMappingException.class,
    MismatchedInputException.class,
    InvalidFormatException.class,
    UnrecognizedPropertyException.class,
    ValueInstantiationException.class
  })
  public Response badJson(JsonMappingException e) {
    String field = path(e);
    String value = null;
    String rule;
    if (e instanceof UnrecognizedPropertyException u) {
      value = u.getPropertyName();
      rule =
          "be a known field of "
              + u.getReferringClass().getSimpleName()
              + " (one of "
              + u.getKnownPropertyIds()
              + ")";
    } else if (typeRule(field) != null && isNumberMismatch(e)) {
      // A fraction, an exponent or an overflow in an integer field: name the field and its range.
      value = e instanceof InvalidFormatException f ? String.valueOf(f.getValue()) : null;
      rule = typeRule(field);
    } else if (e instanceof InvalidFormatException f) {
      value = String.valueOf(f.getValue());
      rule = "be of type " + f.getTargetType().getSimpleName();
    } else if (e instanceof ValueInstantiationException v && v.getCause() != null) {
      rule = "be valid: " + v.getCause().getMessage();
    } else {
      rule = "be well-formed: " + e.getOriginalMessage();
    }
    String message = field + " must " + rule + (value == null ? "" : ", was " + value);
    return Response.status(400).entity(new ErrorView(400, message, field, value, rule)).build();
  }

  /** A body that is not JSON at all, or a number no Java type holds. */
  @ServerExceptionMapper
  public Response malformed(StreamReadException e) {
    if (e instanceof InputCoercionException c && c.getProcessor() != null) {
      JsonParser p = c.getProcessor();
      String field = pointerToPath(p.getParsingContext().pathAsPointer().toString());
      String rule = typeRule(field);
      if (rule == null) {
        rule = "fit in " + c.getTargetType().getSimpleName();
      }
      String value = safeText(p);
      String message = field + " must " + rule + (value == null ? "" : ", was " + value);
      return Response.status(400).entity(new ErrorView(400, message, field, value, rule)).build();
    }
    String rule = "be a JSON object: " + e.getOriginalMessage();
    return Response.status(400)
        .entity(new ErrorView(400, BODY + " must " + rule, BODY, null, rule))
        .build();
  }

  private static String pointerToPath(String pointer) {
    if (pointer.isEmpty() || pointer.equals("/")) {
      return BODY;
    }
    var sb = new StringBuilder();
    for (String part : pointer.substring(1).split("/")) {
      if (part.chars().allMatch(Character::isDigit)) {
        sb.append('[').append(part).append(']');
      } else {
        sb.append(sb.length() == 0 ? "" : ".").append(part);
      }
    }
    return sb.toString();
  }

  private static String safeText(JsonParser p) {
    try {
      return p.getText();
    } catch (java.io.IOException e) {
      return null;
    }
  }

  @ServerExceptionMapper
  public Response notFound(NotFoundException e) {
    return Response.status(404)
        .entity(new ErrorView(404, e.getMessage(), "id", null, "name an existing run"))
        .build();
  }

  @ServerExceptionMapper
  public Response conflict(RunService.IllegalRunStateException e) {
    String rule = "be one of " + e.allowed();
    return Response.status(409)
        .entity(new ErrorView(409, e.getMessage(), "status", e.current().name(), rule))
        .build();
  }

  @ServerExceptionMapper
  public Response unsupportedMediaType(NotSupportedException e, HttpHeaders headers) {
    String was = headers.getMediaType() == null ? "none" : headers.getMediaType().toString();
    String rule = "be " + MediaType.APPLICATION_JSON;
    return Response.status(415)
        .entity(
            new ErrorView(
                415,
                "Content-Type must be " + MediaType.APPLICATION_JSON + ", was " + was,
                "Content-Type",
                was,
                rule))
        .build();
  }

  /** Any other 4xx the framework raises (405, 406, ...) still answers with a JSON body. */
  @ServerExceptionMapper
  public Response otherClientError(WebApplicationException e) {
    // The JSON reader wraps what Jackson threw in a 400: answer for the cause.
    if (e.getCause() instanceof JsonMappingException m) {
      return badJson(m);
    }
    if (e.getCause() instanceof StreamReadException r) {
      return malformed(r);
    }
    int status = e.getResponse().getStatus();
    if (status < 400 || status >= 500) {
      return e.getResponse();
    }
    return Response.status(status)
        .entity(new ErrorView(status, e.getMessage(), BODY, null, null))
        .type(MediaType.APPLICATION_JSON)
        .build();
  }

  private static String typeRule(String field) {
    return RunRules.byPath(field).map(FieldRule::typeRule).orElse(null);
  }

  private static boolean isNumberMismatch(JsonMappingException e) {
    if (e.getCause() instanceof InputCoercionException) {
      return true;
    }
    return e instanceof MismatchedInputException m
        && m.getTargetType() != null
        && (m.getTargetType() == Integer.class
            || m.getTargetType() == int.class
            || m.getTargetType() == Long.class
            || m.getTargetType() == long.class);
  }

  @ServerExceptionMapper
  public Response loopDown(RunService.LoopUnavailableException e) {
    return Response.status(503)
        .entity(new ErrorView(503, e.getMessage(), null, null, null))
        .build();
  }

  private static String path(JsonMappingException e) {
    var sb = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? BODY : sb.toString();
  }
}
