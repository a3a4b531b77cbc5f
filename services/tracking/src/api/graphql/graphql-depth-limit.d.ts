// graphql-depth-limit ships no types; this is the part of its API we call.
declare module 'graphql-depth-limit' {
  import type { ValidationContext, ASTVisitor } from 'graphql';
  function depthLimit(maxDepth: number): (context: ValidationContext) => ASTVisitor;
  export = depthLimit;
}
