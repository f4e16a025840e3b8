import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import type { CreateSealInput, SealRegistry } from './registry.js';

export interface DemoUser {
  account: string;
  name: string;
  organization: string;
  title: string;
}

/** Demo people: a student, a counsellor, a dean, the university's legal officer, and a company's representative. */
export const DEMO_USERS: DemoUser[] = [
  { account: 'zhangsan', name: '张三', organization: '计算机科学与技术学院', title: '学生' },
  { account: 'lisi', name: '李四', organization: '计算机科学与技术学院', title: '辅导员' },
  { account: 'wangwu', name: '王五', organization: '计算机科学与技术学院', title: '院长' },
  { account: 'zhaoliu', name: '赵六', organization: '示范大学', title: '法务办公室' },
  { account: 'chenqi', name: '陈七', organization: '星河科技有限公司', title: '法定代表人' },
];

export const DEMO_SEALS: CreateSealInput[] = [
  { name: '张三', type: '个人签名', owner: '张三', holders: ['zhangsan'] },
  { name: '李四', type: '个人签名', owner: '李四', holders: ['lisi'] },
  { name: '王五', type: '个人签名', owner: '王五', holders: ['wangwu'] },
  { name: '计算机科学与技术学院公章', type: '公章', owner: '示范大学计算机科学与技术学院', holders: ['wangwu'] },
  { name: '示范大学公章', type: '公章', owner: '示范大学', holders: ['zhaoliu'] },
  { name: '示范大学合同专用章', type: '合同专用章', owner: '示范大学', holders: ['zhaoliu'] },
  { name: '星河科技有限公司合同专用章', type: '合同专用章', owner: '星河科技有限公司', holders: ['chenqi'] },
];

/** Fills an empty registry with the demo people and seals so the flow can be tried at once. */
export async function seedDemoData(db: Db, registry: SealRegistry, log: Logger): Promise<boolean> {
  if ((await registry.list()).length > 0) return false;
  for (const user of DEMO_USERS) {
    await db
      .insertInto('directory_users')
      .values(user)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  for (const seal of DEMO_SEALS) await registry.create(seal);
  log.info({ users: DEMO_USERS.length, seals: DEMO_SEALS.length }, 'demo organisations, users and seals created');
  return true;
}

export async function listUsers(db: Db): Promise<DemoUser[]> {
  return db.selectFrom('directory_users').selectAll().orderBy('account').execute();
}
