/**
 * The bodies serving answers with, one record each: what {@code /openapi.json} describes
 * ({@code OpenApiContractTest} holds the two together) and what clients may rely on.
 */
package dev.freshet.serving.api;
