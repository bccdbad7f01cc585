package dev.grpo.trainer.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.grpo.trainer.rest.RunViews.ErrorView;
import dev.grpo.trainer.run.InvalidRunConfigException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps failures to 4xx bodies that name the field, the value and the rule. */
public class ErrorMappers {

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

  /** A body that is not JSON at all. */
  @ServerExceptionMapper
  public Response malformed(JsonParseException e) {
    String rule = "be a JSON object: " + e.getOriginalMessage();
    return Response.status(400)
        .entity(new ErrorView(400, "body must " + rule, "body", null, rule))
        .build();
  }

  @ServerExceptionMapper
  public Response notFound(NotFoundException e) {
    return Response.status(404)
        .entity(new ErrorView(404, e.getMessage(), null, null, null))
        .build();
  }

  @ServerExceptionMapper
  public Response conflict(RunService.IllegalRunStateException e) {
    return Response.status(409)
        .entity(new ErrorView(409, e.getMessage(), "status", null, null))
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
    return sb.length() == 0 ? "body" : sb.toString();
  }
}
