import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Created } from '../../common/http/rest-response.js';
import { MERGE_PATCH_TYPE } from '../../common/http/negotiation.js';
import type { Page } from '../../common/http/list-query.js';
import { Auth } from '../auth/auth.decorator.js';
import { CreateUserDto, ReplaceUserDto, UpdateUserDto, UserDto, UserProfileDto } from './dto/user.dto.js';
import { ListUsersQuery, ProfileFieldsQuery, UserFieldsQuery } from './dto/list-users.query.js';
import { UsersService } from './users.service.js';

// The handlers read it with @Headers('If-Match'): the same name, so Swagger merges the two into one optional
// parameter (a different spelling would add a second, required one to the document).
const IF_MATCH = ApiHeader({ name: 'If-Match', required: false, description: 'ETag from a GET; 412 when stale' });
const USER_ID = ApiParam({
  name: 'userId',
  description: 'the user id',
  example: '01JEXAMPLE0000000000000000',
  schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' },
});

@ApiTags('users')
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Auth('users:read')
  @ApiOperation({ operationId: 'listUsers', summary: 'List users (filter, sort, page, fields)' })
  @ApiEnvelope(UserDto, { list: true })
  list(@Query() query: ListUsersQuery): Promise<Page<UserDto>> {
    return this.users.list(query);
  }

  @Post()
  @Auth('users:write')
  @ApiOperation({ operationId: 'createUser', summary: 'Create a user' })
  @ApiEnvelope(UserDto, { status: 201 })
  @ApiProblemResponses(409, 413, 415)
  async create(@Body() body: CreateUserDto): Promise<Created<UserDto>> {
    const user = await this.users.create(body);
    return new Created(user, `/api/v1/users/${user.userId}`);
  }

  @Get(':userId')
  @Auth('users:read')
  @USER_ID
  @ApiOperation({ operationId: 'getUser', summary: 'Get one user' })
  @ApiEnvelope(UserDto)
  @ApiProblemResponses(404)
  get(@Param('userId') id: string, @Query() _query: UserFieldsQuery): Promise<UserDto> {
    return this.users.get(id);
  }

  @Put(':userId')
  @Auth('users:write')
  @USER_ID
  @IF_MATCH
  @ApiOperation({ operationId: 'replaceUser', summary: 'Replace a user' })
  @ApiEnvelope(UserDto)
  @ApiProblemResponses(404, 409, 412, 413, 415)
  replace(
    @Param('userId') id: string,
    @Body() body: ReplaceUserDto,
    @Headers('If-Match') ifMatch?: string,
  ): Promise<UserDto> {
    return this.users.update(id, body, ifMatch);
  }

  @Patch(':userId')
  @Auth('users:write')
  @USER_ID
  @IF_MATCH
  @ApiOperation({ operationId: 'updateUser', summary: 'Update some properties of a user (JSON merge patch)' })
  @ApiBody({
    type: UpdateUserDto,
    description: `application/json or ${MERGE_PATCH_TYPE}`,
  })
  @ApiEnvelope(UserDto, { consumes: [MERGE_PATCH_TYPE] })
  @ApiProblemResponses(404, 409, 412, 413, 415)
  update(
    @Param('userId') id: string,
    @Body() body: UpdateUserDto,
    @Headers('If-Match') ifMatch?: string,
  ): Promise<UserDto> {
    return this.users.update(id, body, ifMatch);
  }

  @Delete(':userId')
  @HttpCode(204)
  @Auth('users:write')
  @USER_ID
  @IF_MATCH
  @ApiOperation({ operationId: 'deleteUser', summary: 'Delete a user' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiProblemResponses(400, 401, 403, 404, 406, 412, 429)
  remove(@Param('userId') id: string, @Headers('If-Match') ifMatch?: string): Promise<void> {
    return this.users.remove(id, ifMatch);
  }

  @Get(':userId/profile')
  @Auth('users:read')
  @USER_ID
  @ApiOperation({ operationId: 'getUserProfile', summary: "A user's profile (served from the cache when warm)" })
  @ApiEnvelope(UserProfileDto)
  @ApiProblemResponses(404)
  profile(@Param('userId') id: string, @Query() _query: ProfileFieldsQuery): Promise<UserProfileDto> {
    return this.users.profile(id);
  }
}
