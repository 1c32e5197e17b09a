import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ARTIFACT_SORTS } from '@berth/db';
import { PagingInterceptor } from '../admin/paging.interceptor.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { ApiCredentials, ApiDoc, ApiTag } from '../openapi/api-doc.decorator.js';
import { ArtifactsService } from './artifacts.service.js';
import { ContentViewerGuard, CurrentViewer, type Viewer } from './content-viewer.guard.js';
import { CURSOR_PARAMETER, REFERENCE_PARAMETER, REPOSITORY_PARAMETER } from './content.docs.js';
import { ARTIFACT, ARTIFACT_DETAIL, COPIED_ARTIFACT, CREATED_TAG, NEW_TAG } from './content.schemas.js';

const FLAG = { type: 'string', enum: ['true', 'false'] } as const;

@Controller('api/v1/projects/:project/repositories/:repository/artifacts')
@ApiTag('artifacts', 'Artifacts of a repository: images, indexes and their accessories; tags and copies.')
// Reads of public projects need no credentials; changes do (anonymous callers get a 401).
@ApiCredentials('optional')
@UseGuards(ContentViewerGuard)
@UseInterceptors(RecordErrorInterceptor, PagingInterceptor)
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Get()
  @ApiDoc({
    summary: "List a repository's artifacts",
    description:
      'Needs `pull` in the project (anonymous: public projects). Newest first by default. Accessories (manifests with a `subject`) and the children of an index are not listed at the top level unless `all=true`: they appear under `accessories` and `platforms`. `Link: rel="next"` carries a `cursor`.',
    params: { repository: REPOSITORY_PARAMETER },
    list: ARTIFACT,
    listing: { q: 'A prefix of a tag or of the digest (`sha256:3f…`, or bare hex).', sort: ARTIFACT_SORTS },
    query: [
      CURSOR_PARAMETER,
      { name: 'tagged', schema: FLAG, description: 'Only tagged (`true`) or untagged (`false`) artifacts.' },
      { name: 'all', schema: FLAG, description: 'Also accessories and index children at the top level.' },
    ],
    errors: [404],
  })
  list(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Param('repository') repository: string,
    @Query() query: Record<string, unknown>,
  ) {
    return this.artifacts.list(viewer, project, repository, query);
  }

  @Post()
  @HttpCode(201)
  @ApiDoc({
    credentials: 'required',
    summary: 'Copy an artifact into this repository',
    description:
      "Harbor's copy: `from=<project>/<repository>@<digest>` or `:<tag>` (a tag tags the copy the same). Blobs are mounted, never copied; an index brings its children and an artifact its accessories. Needs `pull` on the source and `push` here; this project's storage quota applies (403).",
    params: { repository: REPOSITORY_PARAMETER },
    query: [{ name: 'from', required: true, schema: { type: 'string', maxLength: 512 } }],
    bodyOptional: true,
    response: COPIED_ARTIFACT,
    errors: [403, 404],
  })
  copy(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Param('repository') repository: string,
    @Query('from') from: unknown,
  ) {
    return this.artifacts.copy(viewer, project, repository, from);
  }

  @Get(':reference')
  @ApiDoc({
    summary: 'Read an artifact',
    description: 'By digest or tag; needs `pull` in the project. An image also shows its own platform.',
    params: { repository: REPOSITORY_PARAMETER, reference: REFERENCE_PARAMETER },
    response: ARTIFACT_DETAIL,
    errors: [404],
  })
  get(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Param('repository') repository: string,
    @Param('reference') reference: string,
  ) {
    return this.artifacts.get(viewer, project, repository, reference);
  }

  @Delete(':reference')
  @HttpCode(204)
  @ApiDoc({
    credentials: 'required',
    summary: 'Delete an artifact',
    description:
      'By digest or tag: the manifest goes with all its tags, its accessories, and the children of an index that nothing else holds. Needs `delete` in the project.',
    params: { repository: REPOSITORY_PARAMETER, reference: REFERENCE_PARAMETER },
    errors: [403, 404],
  })
  remove(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Param('repository') repository: string,
    @Param('reference') reference: string,
  ) {
    return this.artifacts.remove(viewer, project, repository, reference);
  }

  @Post(':reference/tags')
  @HttpCode(201)
  @ApiDoc({
    credentials: 'required',
    summary: 'Tag an artifact',
    description: 'Needs `push` in the project (developer and up). A tag already in the repository is 409.',
    params: { repository: REPOSITORY_PARAMETER, reference: REFERENCE_PARAMETER },
    body: NEW_TAG,
    response: CREATED_TAG,
    errors: [403, 404, 409],
  })
  addTag(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Param('repository') repository: string,
    @Param('reference') reference: string,
    @Body() body: unknown,
  ) {
    return this.artifacts.addTag(viewer, project, repository, reference, body);
  }

  @Delete(':reference/tags/:tag')
  @HttpCode(204)
  @ApiDoc({
    credentials: 'required',
    summary: 'Remove a tag from an artifact',
    description: 'Needs `delete` in the project. 404 unless the tag points at this artifact.',
    params: { repository: REPOSITORY_PARAMETER, reference: REFERENCE_PARAMETER },
    errors: [403, 404],
  })
  removeTag(
    @CurrentViewer() viewer: Viewer,
    @Param('project') project: string,
    @Param('repository') repository: string,
    @Param('reference') reference: string,
    @Param('tag') tag: string,
  ) {
    return this.artifacts.removeTag(viewer, project, repository, reference, tag);
  }
}
