import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType()
export class ArtifactFile {
  @Field({ description: 'Relative to the root URI.' }) path!: string;
  @Field() isDir!: boolean;
  @Field(() => Float, { nullable: true, description: 'Bytes; files only.' }) size?: number;
}

@ObjectType()
export class ArtifactListing {
  @Field() rootUri!: string;
  @Field(() => [ArtifactFile]) files!: ArtifactFile[];
}
